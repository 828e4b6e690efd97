import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../../..");
const SCRIPT = join(ROOT, "tools/live-check/live-check.mjs");
const REPLAY = join(ROOT, "tools/capture-oracle/replay-check.mjs");
const ORACLE = process.env.KSM_ORACLE_DIR || join(ROOT, "../shared/ksm-oracle");

/** Why the live check cannot run here, or null. */
function cannotRun(): string | null {
  if (process.platform !== "linux") return "needs Linux";
  if (process.getuid?.() !== 0) return "needs root to drive /sys/kernel/mm/ksm and read /proc/PID/mem";
  if (!existsSync("/sys/kernel/mm/ksm/run")) return "needs /sys/kernel/mm/ksm (a kernel with CONFIG_KSM)";
  if (!existsSync("/usr/bin/python3")) return "needs /usr/bin/python3, the program it launches";
  if (spawnSync("cc", ["--version"]).status !== 0) return "needs cc for the PR_SET_MEMORY_MERGE helper";
  if (!existsSync(join(ROOT, "apps/ksm-sim/dist/cli.js")))
    return "needs `pnpm build` (it runs the built CLI)";
  return null;
}
const why = cannotRun();

describe.skipIf(why !== null)(`live check against the real ksmd${why ? ` (skipped: ${why})` : ""}`, () => {
  it("predicts pages_shared, pages_sharing and ksm_zero_pages of 4 merge-any processes within 1 %", () => {
    // takes /tmp/ksm-oracle.lock itself: KSM is global to the machine
    const r = spawnSync(process.execPath, [SCRIPT, "--json"], { encoding: "utf8", timeout: 180_000 });
    expect(r.stderr).toBe("");
    const result = JSON.parse(r.stdout.trim());
    expect(result.capturedPages).toBeGreaterThan(1000);
    for (const row of result.rows) expect(row.offPercent, row.counter).toBeLessThanOrEqual(1);
    // something merged, or the comparison says nothing
    expect(
      result.rows.find((x: { counter: string }) => x.counter === "pages_sharing").kernel,
    ).toBeGreaterThan(0);
    expect(r.status).toBe(0);
  }, 200_000);
});

const whyReplay =
  why ?? (existsSync(join(ORACLE, "ksm_oracle.py")) ? null : `needs the kernel oracle at ${ORACLE}`);

describe.skipIf(whyReplay !== null)(
  `replay of a full capture on the kernel oracle${whyReplay ? ` (skipped: ${whyReplay})` : ""}`,
  () => {
    it("matches the simulator record for record", () => {
      // the committed capture, written into the oracle's regions byte for byte
      const r = spawnSync(process.execPath, [REPLAY, "--json"], { encoding: "utf8", timeout: 180_000 });
      expect(r.stderr).toBe("");
      const result = JSON.parse(r.stdout.trim());
      for (const run of result.results) {
        expect(run.firstDifference, `use_zero_pages=${run.use_zero_pages}`).toBeNull();
        expect(run.matched).toBe(run.records);
        expect(run.records).toBe(3);
      }
      expect(r.status).toBe(0);
    }, 200_000);
  },
);
