import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseScenario } from "@ksm/scenario";
import { validateKnob } from "@ksm/sim";
import { describe, expect, it } from "vitest";

// tools/difftest's generator, without a kernel: a seed's scenario must not change under the
// recorded sets (they are replayed by name), and every profile must give scenarios the simulator
// takes.
const ROOT = resolve(import.meta.dirname, "../../..");
const DIFFTEST = join(ROOT, "tools/difftest/difftest.py");
const generate = (seed: number, profile: string) =>
  execFileSync("python3", [DIFFTEST, "generate", "--seed", String(seed), "--profile", profile], {
    encoding: "utf8",
  });

describe("difftest's scenario generator", () => {
  it.each([
    ["mixed", 1, "recorded/rand-1.json"],
    ["mixed", 777, "recorded/rand-777.json"],
    ["mixed", 2000, "recorded/rand-2000.json"],
    ["thp", 1008, "recorded-thp/thp-1008.json"],
    ["thp", 1298, "recorded-thp/thp-1298.json"],
    ["big", 1000, "recorded-big/big-1000.json"],
    ["big", 1099, "recorded-big/big-1099.json"],
  ])("gives the %s profile's seed %i exactly as it was recorded", (profile, seed, file) => {
    const recorded = readFileSync(join(ROOT, "apps/ksm-sim/test", String(file)), "utf8");
    expect(generate(Number(seed), String(profile))).toBe(recorded);
  });

  it.each([1, 2, 3, 4, 5, 6])("gives valid v2 scenarios with THPs in the thp profile (seed %i)", (seed) => {
    const text = generate(seed, "thp");
    const scenario = parseScenario(JSON.parse(text), validateKnob);
    expect(scenario.name).toBe(`thp-${seed}`);
    expect(scenario.version).toBe(2);
    expect(text).toMatch(/"hugepage": true/);
  });

  it("gives valid v2 scenarios of up to 30,000 pages at start in the big profile", () => {
    const sizes = [1, 2, 3, 4, 5, 6].map((seed) => {
      const scenario = parseScenario(JSON.parse(generate(seed, "big")), validateKnob);
      expect(scenario.name).toBe(`big-${seed}`);
      expect(scenario.version).toBe(2);
      expect(scenario.processes.length).toBeLessThanOrEqual(7);
      return scenario.processes.flatMap((p) => p.regions.map((r) => r.pages)).reduce((a, b) => a + b, 0);
    });
    expect(Math.max(...sizes)).toBe(30000);
    expect(sizes.filter((n) => n > 10000).length).toBeGreaterThanOrEqual(3);
  });
});
