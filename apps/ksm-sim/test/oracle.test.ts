import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseScenario } from "@ksm/scenario";
import { describe, expect, it } from "vitest";
import { buildSimulation, firstDifference, simulate, validateKnob } from "../src/index.js";

// The live differential test: fresh random scenarios run on this machine's real KSM
// (through the shared oracle) and on the simulator. It needs root, /sys/kernel/mm/ksm and
// the oracle beside the repo; where any is missing it is skipped, saying why, and the
// recorded kernel runs (fidelity.test.ts) still check the model.
const ROOT = resolve(import.meta.dirname, "../../..");
const ORACLE = resolve(ROOT, "../shared/ksm-oracle/ksm_oracle.py");
const DIFFTEST = join(ROOT, "tools/difftest/difftest.py");
const LOCK = join(tmpdir(), "ksm-oracle.lock");
const SEEDS = (process.env.KSM_ORACLE_SEEDS ?? "910001-910004").split("-").map(Number) as [number, number];

function missing(): string | null {
  if (process.getuid?.() !== 0) return "not root";
  if (!existsSync("/sys/kernel/mm/ksm/run")) return "no /sys/kernel/mm/ksm";
  if (!existsSync(ORACLE)) return `no oracle at ${ORACLE}`;
  if (!existsSync("/usr/bin/flock")) return "no flock(1) to queue for the kernel";
  return null;
}

const why = missing();
if (why) console.warn(`oracle.test.ts: live kernel comparison skipped: ${why}`);

describe.skipIf(why !== null)("the simulator against the real kernel, live", async () => {
  const options = await buildSimulation();
  const dir = mkdtempSync(join(tmpdir(), "ksm-oracle-"));
  const seeds = Array.from({ length: SEEDS[1] - SEEDS[0] + 1 }, (_, i) => SEEDS[0] + i);
  it.each(seeds)(
    "random scenario %i",
    (seed) => {
      const text = execFileSync("python3", [DIFFTEST, "generate", "--seed", String(seed)], {
        encoding: "utf8",
      });
      const file = join(dir, `rand-${seed}.json`);
      writeFileSync(file, text);
      const out = join(dir, `rand-${seed}.expected.jsonl`);
      // KSM is global: queue behind any other oracle run (tools/difftest takes the same lock)
      execFileSync("flock", [LOCK, "python3", ORACLE, file, "--out", out], {
        stdio: "ignore",
        timeout: 600_000,
      });
      const kernel = readFileSync(out, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      const sim = [...simulate(parseScenario(JSON.parse(text), validateKnob), options)];
      const diffs = kernel.map((k, i) => (i < sim.length ? firstDifference(k, sim[i]) : "no such record"));
      expect(diffs.find((d) => d !== null) ?? null).toBeNull();
      expect(sim.length).toBe(kernel.length);
    },
    900_000,
  );
});
