import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseScenario } from "@ksm/scenario";
import { validateKnob } from "@ksm/sim";
import { describe, expect, it } from "vitest";

// tools/difftest's generator, without a kernel: a seed's scenario must not change under the
// recorded set (it is replayed by name), and every profile must give scenarios the simulator takes.
const ROOT = resolve(import.meta.dirname, "../../..");
const DIFFTEST = join(ROOT, "tools/difftest/difftest.py");
const generate = (seed: number, profile: string) =>
  execFileSync("python3", [DIFFTEST, "generate", "--seed", String(seed), "--profile", profile], {
    encoding: "utf8",
  });

describe("difftest's scenario generator", () => {
  it.each([1, 2, 777, 2000])("gives seed %i of the mixed profile exactly as it was recorded", (seed) => {
    const recorded = readFileSync(join(ROOT, `apps/ksm-sim/test/recorded/rand-${seed}.json`), "utf8");
    expect(generate(seed, "mixed")).toBe(recorded);
  });

  it.each([1, 2, 3, 4, 5, 6])("gives valid v2 scenarios with THPs in the thp profile (seed %i)", (seed) => {
    const text = generate(seed, "thp");
    const scenario = parseScenario(JSON.parse(text), validateKnob);
    expect(scenario.name).toBe(`thp-${seed}`);
    expect(scenario.version).toBe(2);
    expect(text).toMatch(/"hugepage": true/);
  });
});
