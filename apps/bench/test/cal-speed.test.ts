// The cal-speed target's plumbing on tiny sizes, simulator only: each cell spawns the
// built ksm-sim CLI (pnpm build first), so without it the tests are skipped and say why.
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { calScenario, KSM_SIM_CLI, runBenchCli, runCalSpeed } from "../src/index.js";

const why = existsSync(KSM_SIM_CLI) ? null : `the built CLI ${KSM_SIM_CLI} is missing (pnpm build first)`;
if (why) console.warn(`cal-speed.test.ts: skipped: ${why}`);

const quiet = { quietWaitSeconds: 0, log: () => {} };

describe("calScenario", () => {
  it("puts a calibration workload in batch mode at the given pages_to_scan, and only then", () => {
    const one = calScenario("cal-dup", 512, 2);
    expect(one.batchMode ?? false).toBe(false);
    expect(one.knobs?.pages_to_scan).toBeUndefined();
    const batch = calScenario("cal-dup", 512, 2, 100);
    expect(batch.batchMode).toBe(true);
    expect(batch.knobs?.pages_to_scan).toBe(100);
    expect(batch.knobs?.smart_scan).toBe(0);
    expect(() => calScenario("cal-nope", 512, 2)).toThrow(/unknown calibration workload cal-nope/);
  });
});

describe.skipIf(why !== null)("cal-speed on the simulator alone", () => {
  it("times one whole ksm-sim process per cell and reads back one record per full scan", async () => {
    const workloads = ["cal-dup", "cal-volatile"];
    const r = await runCalSpeed({
      kernel: false,
      sizes: [256, 512],
      scans: 3,
      repeat: 2,
      workloads,
      ...quiet,
    });
    expect(r.kernelSkipped).toBe("skipped (--no-kernel)");
    expect(r.pagesToScan).toBeNull();
    expect(r.rows.map((x) => `${x.workload}/${x.pages}`)).toEqual(
      [256, 512].flatMap((p) => workloads.map((w) => `${w}/${p}`)),
    );
    for (const row of r.rows) {
      expect(row.records).toBe(3);
      expect(row.sim).toHaveLength(2);
      for (const s of row.sim) {
        expect(s.wallSeconds).toBeGreaterThan(0);
        expect(s.cpuSeconds).toBeGreaterThanOrEqual(0);
      }
      expect(row.simWallSeconds).toBeGreaterThan(0);
      expect([row.kernelCpuSeconds, row.ratio, row.met]).toEqual([null, null, null]);
      expect(row.difference).toBeUndefined();
    }
  });

  it("runs batch mode through the CLI and prints JSON; bad flags exit 2 before running", async () => {
    let out = "";
    let err = "";
    const io = {
      out: (t: string) => {
        out += t;
      },
      err: {
        write: (t: string) => {
          err += t;
        },
      },
    };
    const argv = ["cal-speed", "--no-kernel", "--sizes", "300", "--scans", "2", "--repeat", "1"];
    const code = await runBenchCli(
      [...argv, "--pages-to-scan", "64", "--workloads", "cal-near", "--json", "--quiet-wait", "0"],
      io,
    );
    expect(code).toBe(0);
    const r = JSON.parse(out) as { pagesToScan: number; rows: { workload: string; records: number }[] };
    expect(r.pagesToScan).toBe(64);
    expect(r.rows).toEqual([expect.objectContaining({ workload: "cal-near", records: 2 })]);
    for (const bad of [
      ["--repeat", "0"],
      ["--workloads", "cal-nope"],
      ["--sizes", "x"],
      ["--pages-to-scan", "0"],
    ]) {
      out = "";
      err = "";
      expect(await runBenchCli([...argv, ...bad], io)).toBe(2);
      expect(err).toMatch(/^ksm-bench: --/);
      expect(out).toBe("");
    }
  });
});
