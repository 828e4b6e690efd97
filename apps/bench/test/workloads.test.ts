import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadCaptureSync } from "@ksm/capture";
import { parseScenario } from "@ksm/scenario";
import { type ReportRecord, validateKnob } from "@ksm/sim";
import { describe, expect, it } from "vitest";
import {
  bestSaving,
  CALIBRATION_WORKLOADS,
  expectScale,
  getWorkload,
  MATRIX_WORKLOADS,
  PYTHON_IDLE_CAPTURE,
  Rng,
  resolveParams,
  speedDupTarget,
  WORKLOADS,
} from "../src/index.js";

/** Small parameters for every workload, so the tests stay fast. */
const SMALL: Record<string, Record<string, number>> = {
  "vm-consolidation": { guests: 3, pages: 512, scans: 4 },
  "container-fleet": {
    containers: 4,
    basePages: 64,
    imagePages: 64,
    heapPages: 128,
    scans: 6,
    churnEvery: 2,
  },
  "near-duplicate": { pages: 512, runPages: 32, variants: 8, scans: 3 },
  "zero-heavy": { pages: 256, scans: 4 },
  "zero-heavy-uzp": { pages: 256, scans: 4 },
  "speed-dup-1024": { pages: 4096, contents: 4 },
  scale: { guests: 4, pages: 64 },
  "swap-pressure": { guests: 2, pages: 128, rounds: 2 },
  "swap-pressure-noksm": { guests: 2, pages: 128, rounds: 2 },
  "capture-python-idle": { scans: 2 },
};

const generate = (name: string, seed: number) => {
  const w = getWorkload(name);
  return JSON.stringify(w.generate(resolveParams(w, SMALL[name] ?? { pages: 1024, scans: 3 }), seed));
};

describe("workload generators", () => {
  it.each(WORKLOADS.map((w) => w.name))("%s makes a valid scenario v1", (name) => {
    const scenario = parseScenario(JSON.parse(generate(name, 1)), validateKnob);
    expect(scenario.processes.length).toBeGreaterThan(0);
    expect(scenario.steps.length).toBeGreaterThan(0);
  });

  it.each(WORKLOADS.map((w) => w.name))("%s: the same seed gives byte-identical output", (name) => {
    expect(generate(name, 7)).toBe(generate(name, 7));
  });

  it.each(["vm-consolidation", "container-fleet", "near-duplicate", "zero-heavy"])(
    "%s: another seed gives another scenario",
    (name) => {
      expect(generate(name, 1)).not.toBe(generate(name, 2));
    },
  );

  it("the default parameters make valid scenarios too", () => {
    for (const name of MATRIX_WORKLOADS) {
      const w = getWorkload(name);
      expect(() =>
        parseScenario(JSON.parse(JSON.stringify(w.generate(w.defaults, 1))), validateKnob),
      ).not.toThrow();
    }
  });

  it("timeline workloads report after every scan", () => {
    const s = parseScenario(JSON.parse(generate("vm-consolidation", 1)), validateKnob);
    const ops = s.steps.filter((x) => x.op === "scan" || x.op === "report").map((x) => x.op);
    expect(ops).toEqual(["scan", "report", "scan", "report", "scan", "report", "scan", "report"]);
  });

  it("rejects unknown parameters and names", () => {
    expect(() => resolveParams(getWorkload("zero-heavy"), { bogus: 1 })).toThrow(/no parameter "bogus"/);
    expect(() => getWorkload("nope")).toThrow(/unknown workload/);
    const w = getWorkload("vm-consolidation");
    expect(() => w.generate(resolveParams(w, { pages: 100 }), 1)).toThrow(/multiple of blockPages/);
  });

  it("vm-consolidation has its fractions and guests duplicate each other page for page", () => {
    const w = getWorkload("vm-consolidation");
    const s = w.generate(
      resolveParams(w, { guests: 2, pages: 640, drift: 0, volatile: 0, zero: 0.1, shared: 0.5 }),
      3,
    );
    const best = bestSaving(s);
    // 5 image blocks x 64 pages duplicated once, 1 zero block of 64 pages in each guest
    expect(best.bestSavedPages).toBe(5 * 64 + (2 * 64 - 1));
  });

  it("near-duplicate pages differ in their last byte only", () => {
    const s = JSON.parse(generate("near-duplicate", 1));
    const contents = s.processes.flatMap((p: { regions: { fill: { content: unknown }[] }[] }) =>
      p.regions[0]!.fill.map((f) => f.content),
    );
    expect(contents.every((c: { poke: number[][] }) => c.poke.length === 1 && c.poke[0]![0] === 4095)).toBe(
      true,
    );
  });

  it("speed-dup-1024 and scale targets follow the kernel's rules", () => {
    expect(speedDupTarget(262_144, 64)).toBe(261_120);
    expect(getWorkload("speed-dup-1024").generate(getWorkload("speed-dup-1024").defaults, 0).name).toBe(
      "speed-dup-1024",
    );
    // 16 copies of each image page; 16 x 512 zero pages = 32 full dups of 256
    expect(expectScale(16, 4096)).toEqual({ pages_shared: 2048 + 32, pages_sharing: 2048 * 15 + 32 * 255 });
    expect(expectScale(16, 262_144)).toEqual({ pages_shared: 133_120, pages_sharing: 2_488_320 });
    // 2^26 pages (growth --to 26): 2,097,152 image pages x 16 copies; 8,388,608 zero pages in 32,768 dups
    expect(expectScale(16, 4_194_304)).toEqual({
      pages_shared: 2_097_152 + 32_768,
      pages_sharing: 2_097_152 * 15 + 32_768 * 255,
    });
    expect(expectScale(64, 1_048_576)).toEqual({
      pages_shared: 524_288 + 32_768,
      pages_sharing: 524_288 * 63 + 32_768 * 255,
    });
    // more guests than max_page_sharing: each image page needs 2 KSM pages (256 + 44 mappings)
    expect(expectScale(300, 8)).toEqual({ pages_shared: 4 * 2 + 2, pages_sharing: 4 * 298 + 298 });
  });

  it("calibration workloads pin smart_scan 0", () => {
    for (const w of CALIBRATION_WORKLOADS)
      expect(w.generate({ pages: 512, scans: 2 }, 0).knobs.smart_scan).toBe(0);
  });
});

describe("Rng", () => {
  it("is deterministic and in range", () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const xs = Array.from({ length: 100 }, () => a.int(10));
    expect(xs).toEqual(Array.from({ length: 100 }, () => b.int(10)));
    expect(xs.every((x) => x >= 0 && x < 10)).toBe(true);
    expect(new Set(xs).size).toBe(10);
    expect(new Rng(1).next()).not.toBe(new Rng(2).next());
  });
});

describe("swap-pressure", () => {
  it("swaps far less when the guests merge (the simulator's swap steps)", async () => {
    const { buildSimulation, simulate } = await import("@ksm/sim");
    const { getWorkload, resolveParams } = await import("../src/index.js");
    const run = async (name: string) => {
      const w = getWorkload(name);
      const scenario = parseScenario(
        w.generate(resolveParams(w, { guests: 3, pages: 256, rounds: 3 }), 1),
        validateKnob,
      );
      const records = [...simulate(scenario, await buildSimulation())];
      const last = records.filter((r) => "vmstat" in r).at(-1) as {
        vmstat: { pswpin: number; pswpout: number };
      };
      expect(
        records
          .filter((r) => "verify" in r)
          .every((r) => (r as { verify: { badPages: number } }).verify.badPages === 0),
      ).toBe(true);
      return last.vmstat.pswpin + last.vmstat.pswpout;
    };
    const withKsm = await run("swap-pressure");
    const without = await run("swap-pressure-noksm");
    expect(without).toBeGreaterThan(0);
    expect(withKsm * 4).toBeLessThan(without);
  });
});

const ROOT = join(import.meta.dirname, "../../..");
const BENCH = join(ROOT, "apps/bench/dist/cli.js");

describe("capture-python-idle", () => {
  const root = ROOT;
  /** The settle of the kernel run recorded beside the capture (tools/capture-oracle). */
  const recorded = JSON.parse(
    readFileSync(join(root, "examples/captures/python-idle-4.kernel.json"), "utf8"),
  ) as {
    knobs: { use_zero_pages: number };
    capturedPages: number;
    rows: { counter: string; kernel: number }[];
    mergingPagesPerProcess: { kernel: number[] };
  };

  it("loads the capture's pages as the scenario's memory", () => {
    const w = getWorkload("capture-python-idle");
    const s = parseScenario(JSON.parse(JSON.stringify(w.generate(w.defaults, 1))), validateKnob);
    expect(s.processes.length).toBe(recorded.mergingPagesPerProcess.kernel.length);
    // every captured page but those of VMAs KSM would not scan (no VM_MERGEABLE in a
    // process already using KSM: exec's stack)
    const capture = loadCaptureSync(join(root, PYTHON_IDLE_CAPTURE));
    const unscanned = capture.vmas
      .filter((v) => v.excluded !== null && v.vma.unmergeable === null)
      .reduce((n, v) => n + v.vma.pages.anon, 0);
    expect(unscanned).toBeGreaterThan(0);
    const pages = s.processes.flatMap((p) => p.regions).reduce((n, r) => n + r.pages, 0);
    expect(pages).toBe(recorded.capturedPages - unscanned);
    expect(s.knobs.use_zero_pages).toBe(recorded.knobs.use_zero_pages);
  });

  it("settles at the kernel's recorded counters", async () => {
    const { buildSimulation, simulate } = await import("@ksm/sim");
    const w = getWorkload("capture-python-idle");
    const scenario = parseScenario(JSON.parse(JSON.stringify(w.generate(w.defaults, 1))), validateKnob);
    const reports = [...simulate(scenario, await buildSimulation())].filter(
      (r): r is ReportRecord => "counters" in r,
    );
    expect(reports.length).toBe(w.defaults.scans);
    const last = reports.at(-1)!;
    const counters = last.counters as unknown as Record<string, number>;
    for (const row of recorded.rows)
      expect([row.counter, counters[row.counter]]).toEqual([row.counter, row.kernel]);
    expect(Object.values(last.processes).map((p) => p.ksm_merging_pages)).toEqual(
      recorded.mergingPagesPerProcess.kernel,
    );
  });

  it.skipIf(!existsSync(BENCH))(
    `runs in the matrix on worker threads, its seeds one configuration${existsSync(BENCH) ? "" : " (skipped: run pnpm build first, the test uses apps/bench/dist)"}`,
    () => {
      const out = mkdtempSync(join(tmpdir(), "bench-capture-"));
      const args = [
        "matrix",
        "--workloads",
        "capture-python-idle",
        "--seeds",
        "1-2",
        "--profiles",
        "linux-6.18",
      ];
      execFileSync("node", [BENCH, ...args, "--axes", "checksum", "--workers", "2", "--out", out], {
        stdio: "pipe",
      });
      const { cells } = JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as {
        cells: {
          variant: string;
          spec: { seed: number };
          error: string | null;
          configKey: string;
          series: { savedPages: number }[];
        }[];
      };
      const defaults = cells.filter((c) => c.variant === "default");
      expect(defaults.map((c) => c.spec.seed)).toEqual([1, 2]);
      expect(defaults[0]!.configKey).toBe(defaults[1]!.configKey);
      for (const c of cells) expect([c.variant, c.error]).toEqual([c.variant, null]);
      // pages_sharing + ksm_zero_pages of the kernel's settle
      const saved = recorded.rows
        .filter((r) => r.counter !== "pages_shared")
        .reduce((n, r) => n + r.kernel, 0);
      expect(defaults[0]!.series.at(-1)!.savedPages).toBe(saved);
    },
  );
});
