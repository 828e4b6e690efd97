import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { cli } from "./helpers.js";

const EXAMPLES = resolve(import.meta.dirname, "../../../examples");

function scenarioFile(content: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), "ksm-sim-"));
  const file = join(dir, "s.json");
  writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content));
  return file;
}

describe("ksm-sim CLI", () => {
  it("prints help", async () => {
    const r = await cli("--help");
    expect(r.code).toBe(0);
    expect(r.out).toContain("ksm-sim run FILE");
  });

  it("prints one JSON record per report with --jsonl, keys sorted", async () => {
    const r = await cli("run", join(EXAMPLES, "two-vms.json"), "--jsonl");
    expect(r.code).toBe(0);
    const lines = r.out.trim().split("\n");
    expect(lines).toHaveLength(1);
    const rec = JSON.parse(lines[0]!);
    expect(rec.counters.pages_sharing).toBe(1020);
    expect(Object.keys(rec)).toEqual([...Object.keys(rec)].sort());
  });

  it("prints a table without --jsonl", async () => {
    const r = await cli("run", join(EXAMPLES, "two-vms.json"));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/pages_sharing\s+1020/);
    expect(r.out).toContain("vm1");
  });

  it.each([
    [["run"], /needs a scenario file/],
    [["run", "x.json", "--bogus"], /unknown flag "--bogus"/],
    [["frobnicate"], /unknown command "frobnicate"/],
    [["run", "/nonexistent/x.json"], /cannot read scenario file/],
  ])("rejects %j with exit code 2", async (argv, message) => {
    const r = await cli(...argv);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it("names the JSON path of a bad value and runs nothing", async () => {
    const file = scenarioFile({
      processes: [{ name: "p", regions: [{ name: "r", pages: 10 }] }],
      steps: [{ op: "report" }, { op: "write", process: "p", region: "r", range: [0, 11], content: "zero" }],
    });
    const r = await cli("run", file, "--jsonl");
    expect(r.code).toBe(2);
    expect(r.err).toContain("$.steps[1].range");
    expect(r.out).toBe("");
  });

  it("refuses an unknown knob and an out-of-range one", async () => {
    const unknown = await cli(
      "run",
      scenarioFile({ knobs: { turbo: 1 }, processes: [{ name: "p", regions: [] }] }),
    );
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("$.knobs.turbo");
    const range = await cli(
      "run",
      scenarioFile({ knobs: { max_page_sharing: 1 }, processes: [{ name: "p", regions: [] }] }),
    );
    expect(range.code).toBe(2);
    expect(range.err).toMatch(/\$\.knobs\.max_page_sharing: expected an integer from 2/);
  });

  it("reports invalid JSON as bad input", async () => {
    const r = await cli("run", scenarioFile("{ nope"));
    expect(r.code).toBe(2);
    expect(r.err).toContain("not valid JSON");
  });

  it("fails a knob write the kernel refuses with EBUSY, exit code 1", async () => {
    const file = scenarioFile({
      knobs: { smart_scan: 0 },
      processes: [{ name: "p", regions: [{ name: "r", pages: 4, fill: [{ content: { pattern: 1 } }] }] }],
      steps: [
        { op: "scan", fullScans: 2 },
        { op: "report" },
        { op: "knob", name: "max_page_sharing", value: 3 },
      ],
    });
    const r = await cli("run", file, "--jsonl");
    expect(r.code).toBe(1);
    expect(r.err).toContain("EBUSY");
    expect(r.out.trim().split("\n")).toHaveLength(1);
  });
});

describe("ksm-sim CLI: profiles, policies and the swap steps", () => {
  it("prints the policy listing as JSON, each variant with its parameters as its factory describes them", async () => {
    const r = await cli("policies", "--json");
    expect(r.code).toBe(0);
    const list = JSON.parse(r.out);
    expect(list.profiles.map((p: { name: string }) => p.name)).toEqual(["linux-6.18", "linux-2.6.32"]);
    expect(list.profiles[1].policies).toMatchObject({ checksum: "jhash2" });
    const names = (vs: { name: string }[]) => vs.map((v) => v.name);
    expect(Object.fromEntries(Object.entries(list.policies).map(([a, vs]) => [a, names(vs as [])]))).toEqual({
      checksum: ["xxhash", "jhash2", "crc32c", "none"],
      tree: ["rbtree", "avl", "skiplist", "hash"],
      scan: ["linear", "smart", "random", "adaptive"],
      reclaim: ["lru", "clock", "fifo", "random"],
    });
    const adaptive = list.policies.scan.find((v: { name: string }) => v.name === "adaptive");
    expect(adaptive.plugin).toBe("@ksm/policy-scan");
    expect(adaptive.params.map((p: { name: string }) => p.name)).toEqual([
      "maxInterval",
      "volatileShare",
      "forgetAfter",
    ]);
    expect(adaptive.params[0]).toMatchObject({
      name: "maxInterval",
      type: "integer",
      default: 8,
      min: 1,
      max: 1024,
    });
    expect(adaptive.params[1]).toMatchObject({ type: "number", default: 0.5, min: 0, max: 1 });
    expect(adaptive.params[0].description).toContain("interval");
    expect(list.policies.checksum[0].params).toEqual([]);
    // the text listing shows the same parameters
    expect((await cli("policies")).out).toContain(":maxInterval (integer 1..1024, default 8)");
  });

  it("ignores, saying so once by name, the knobs the chosen profile does not have", async () => {
    const file = scenarioFile({
      knobs: { use_zero_pages: 1, smart_scan: 0, pages_to_scan: 100 },
      processes: [{ name: "p", regions: [{ name: "r", pages: 4, fill: [{ content: { pattern: 1 } }] }] }],
      steps: [
        { op: "knob", name: "smart_scan", value: 1 },
        { op: "scan", fullScans: 2 },
        { op: "report" },
        { op: "knob", name: "max_page_sharing", value: 3 },
      ],
    });
    const r = await cli("run", file, "--profile", "linux-2.6.32", "--jsonl");
    expect(r.err).toBe(
      "ksm-sim: note: linux-2.6.32 has no max_page_sharing, smart_scan, use_zero_pages knobs; ignored the scenario's settings at $.knobs.use_zero_pages, $.knobs.smart_scan, $.steps[0], $.steps[3]\n",
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out.trim()).counters.pages_sharing).toBe(3);
    // a profile that has max_page_sharing refuses the write (EBUSY): the step is named by
    // its index in the file, not in what was left to run
    const nosmart = await cli(
      "run",
      file,
      "--plugin",
      resolve(import.meta.dirname, "fixtures/sum-plugin.mjs"),
      "--profile",
      "linux-6.18-nosmart",
    );
    expect(nosmart.code).toBe(1);
    expect(nosmart.err).toContain(
      "note: linux-6.18-nosmart has no smart_scan knob; ignored the scenario's settings at $.knobs.smart_scan, $.steps[0]",
    );
    expect(nosmart.err).toMatch(/step 3: writing 3 to max_page_sharing failed with EBUSY/);
    const now = await cli("run", file);
    expect(now.err).toMatch(/^ksm-sim: step 3: writing 3 to max_page_sharing failed with EBUSY\n$/);
  });

  it("refuses a string where a knob takes a number, naming its JSON path", async () => {
    const r = await cli(
      "run",
      scenarioFile({ knobs: { pages_to_scan: "100" }, processes: [{ name: "p", regions: [] }] }),
    );
    expect(r.code).toBe(2);
    expect(r.err).toContain(
      '$.knobs.pages_to_scan: expected a JSON number for pages_to_scan, not a string, got "100"',
    );
    const step = await cli(
      "run",
      scenarioFile({
        processes: [{ name: "p", regions: [] }],
        steps: [{ op: "knob", name: "run", value: "1" }],
      }),
    );
    expect(step.code).toBe(2);
    expect(step.err).toContain("$.steps[0].value");
  });

  it.each([
    "chains",
    "lifecycle",
    "near-duplicates",
    "smart-scan",
    "two-vms",
    "unmerge-all",
    "volatile",
    "zero-pages",
  ])("runs examples/%s.json on linux-2.6.32", async (name) => {
    const r = await cli("run", join(EXAMPLES, `${name}.json`), "--profile", "linux-2.6.32", "--jsonl");
    expect(r.code).toBe(0);
    expect(r.out.trim().split("\n").length).toBeGreaterThan(0);
    for (const rec of r.out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l)))
      if (rec.verify) expect(rec.verify.badPages).toBe(0);
  });

  it("rejects an unknown policy naming the valid ones", async () => {
    const r = await cli("run", join(EXAMPLES, "two-vms.json"), "--policy", "reclaim=belady");
    expect(r.code).toBe(2);
    expect(r.err).toContain("lru, clock, fifo, random");
  });

  it.each(["lru", "clock", "fifo", "random"])(
    "runs swapout, read, migrate, pressure and offline (reclaim %s)",
    async (policy) => {
      const r = await cli(
        "run",
        resolve(import.meta.dirname, "swap.json"),
        "--jsonl",
        "--policy",
        `reclaim=${policy}`,
      );
      expect(r.code).toBe(0);
      const records = r.out
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      const byLabel = Object.fromEntries(records.map((x) => [x.label, x]));
      expect(records.filter((x) => x.verify).every((x) => x.verify.badPages === 0)).toBe(true);
      // one KSM page shared by 200 mappings swaps out as one page, and comes back as copies
      expect(byLabel.swapped.vmstat.pswpout).toBe(1);
      expect(byLabel.read.vmstat).toMatchObject({ pswpin: 1, ksm_swpin_copy: 199 });
      // ksmd merges the copies again, and migration keeps the merged page
      expect(byLabel.remerged.counters).toMatchObject({ pages_shared: 1, pages_sharing: 199 });
      expect(byLabel["after-migrate"].counters).toMatchObject({ pages_shared: 1, pages_sharing: 199 });
      expect(byLabel.end.vmstat.pgmigrate_success).toBeGreaterThanOrEqual(2);
    },
  );
});
