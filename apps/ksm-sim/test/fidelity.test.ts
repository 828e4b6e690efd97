import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseScenario } from "@ksm/scenario";
import { buildSimulation, firstDifference, type SimRecord, simulate, validateKnob } from "@ksm/sim";
import { describe, expect, it } from "vitest";
import { RECORDING_SETS } from "./recordings.js";

// Every kernel recording kept in the repo (recordings.ts) must be printed record for record.
const ROOT = resolve(import.meta.dirname, "../../..");
const SETS = RECORDING_SETS.map((dir) => join(ROOT, dir));
const sim = await buildSimulation();

function cases(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .filter((f) => readdirSync(dir).includes(f.replace(/\.json$/, ".expected.jsonl")))
    .sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
}

function run(file: string): SimRecord[] {
  const scenario = parseScenario(JSON.parse(readFileSync(file, "utf8")), validateKnob);
  const out: SimRecord[] = [];
  try {
    for (const r of simulate(scenario, sim)) out.push(r);
  } catch (e) {
    out.push({ label: "error", verify: { badPages: -1 }, error: String(e) } as unknown as SimRecord);
  }
  return out;
}

for (const dir of SETS) {
  describe(`matches the kernel's recordings in ${dir.slice(ROOT.length + 1)}`, () => {
    it("has recordings", () => {
      expect(cases(dir).length).toBeGreaterThan(0);
    });
    it.each(cases(dir))("%s", (name) => {
      const file = join(dir, name);
      const expected = readFileSync(file.replace(/\.json$/, ".expected.jsonl"), "utf8")
        .split("\n")
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l));
      const got = run(file);
      const diffs = expected.map((e, i) => (i < got.length ? firstDifference(e, got[i]) : "no such record"));
      const first = diffs.findIndex((d) => d !== null);
      expect(first === -1 ? null : `record ${first} (${expected[first].label}): ${diffs[first]}`).toBeNull();
      expect(got.length).toBe(expected.length);
    });
  });
}
