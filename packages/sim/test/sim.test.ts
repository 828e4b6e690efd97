import { LINUX_2_6_32, LINUX_6_18 } from "@ksm/core";
import { ScenarioError } from "@ksm/scenario";
import { describe, expect, it } from "vitest";
import {
  buildSimulation,
  firstDifference,
  ignoredKnobsNote,
  prepareScenario,
  type ReportRecord,
  StepError,
  simulate,
  timeline,
  toJsonLine,
} from "../src/index.js";

const twoCopies = (steps: unknown[], knobs: Record<string, unknown> = {}) => ({
  knobs,
  processes: [
    { name: "a", regions: [{ name: "r", pages: 4, fill: [{ content: { sequence: 100 } }] }] },
    { name: "b", regions: [{ name: "r", pages: 4, fill: [{ content: { sequence: 100 } }] }] },
  ],
  steps,
});

describe("prepareScenario", () => {
  it("takes out the knobs a profile lacks, by JSON path, and maps steps back to the file", () => {
    const json = twoCopies(
      [
        { op: "knob", name: "smart_scan", value: 0 },
        { op: "scan" },
        { op: "knob", name: "pages_to_scan", value: 50 },
      ],
      { use_zero_pages: 1 },
    );
    const old = prepareScenario(json, LINUX_2_6_32);
    expect(old.ignoredKnobs).toEqual(["smart_scan", "use_zero_pages"]);
    expect(old.ignoredAt).toEqual(["$.knobs.use_zero_pages", "$.steps[0]"]);
    expect(old.scenario.steps.map((s) => s.op)).toEqual(["scan", "knob"]);
    expect(old.stepInFile(1)).toBe(2);
    expect(ignoredKnobsNote(LINUX_2_6_32, old)).toBe(
      "linux-2.6.32 has no smart_scan, use_zero_pages knobs; ignored the scenario's settings at $.knobs.use_zero_pages, $.steps[0]",
    );
    const now = prepareScenario(json, LINUX_6_18);
    expect(now.ignoredKnobs).toEqual([]);
    expect(now.scenario.steps).toHaveLength(3);
    expect(ignoredKnobsNote(LINUX_6_18, now)).toBeNull();
  });

  it("refuses a string where a knob takes a number, at its JSON path", () => {
    const err = (() => {
      try {
        prepareScenario(twoCopies([], { pages_to_scan: "100" }), LINUX_6_18);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ScenarioError);
    expect((err as ScenarioError).path).toBe("$.knobs.pages_to_scan");
    expect((err as Error).message).toContain("a JSON number for pages_to_scan, not a string");
  });
});

describe("simulate", () => {
  it("yields one record per report and verify, merging the two copies", async () => {
    const sim = await buildSimulation();
    const { scenario } = prepareScenario(
      twoCopies([{ op: "scan", fullScans: 2 }, { op: "report", label: "merged" }, { op: "verify" }]),
      sim.profile,
    );
    const seen: string[] = [];
    const records = [...simulate(scenario, { ...sim, onReport: (label) => seen.push(label) })];
    expect(seen).toEqual(["merged"]);
    expect(records).toHaveLength(2);
    const report = records[0] as ReportRecord;
    expect([report.counters.pages_shared, report.counters.pages_sharing]).toEqual([4, 4]);
    expect(records[1]).toEqual({ label: "verify", verify: { badPages: 0 } });
    expect(firstDifference({ counters: { pages_sharing: 4 } }, report)).toBeNull();
    expect(firstDifference({ counters: { pages_sharing: 5 } }, report)).toBe(
      "/counters/pages_sharing: kernel 5, simulator 4",
    );
    expect(toJsonLine({ b: [1, { d: 2, c: 3 }], a: "x" })).toBe('{"a": "x", "b": [1, {"c": 3, "d": 2}]}');
  });

  it("throws a StepError naming the step where the kernel refuses a knob write", async () => {
    const sim = await buildSimulation();
    const { scenario } = prepareScenario(
      twoCopies([
        { op: "scan", fullScans: 2 },
        { op: "knob", name: "max_page_sharing", value: 3 },
      ]),
      sim.profile,
    );
    // once there are KSM pages, max_page_sharing cannot change (EBUSY)
    const run = () => [...simulate(scenario, sim)];
    expect(run).toThrow(StepError);
    expect(run).toThrow("step 1: writing 3 to max_page_sharing failed with EBUSY");
  });
});

describe("timeline", () => {
  it("takes a point per full scan until the counters settle, the writes landing on time", async () => {
    const sim = await buildSimulation();
    const { scenario } = prepareScenario(twoCopies([]), sim.profile);
    const knobs = { pagesToScan: 100, sleepMillisecs: 20 };
    const quiet = timeline(scenario, sim, knobs);
    expect(quiet.at(-1)!.pagesSharing).toBe(4);
    expect(quiet.map((p) => p.fullScans)).toEqual(quiet.map((_, i) => i + 1));
    const write = { op: "write", process: "b", region: "r", content: "unique" } as const;
    const later = timeline(scenario, sim, knobs, [
      { atMs: quiet.at(-1)!.seconds * 1000 + 1, steps: [write] },
    ]);
    expect(later.at(-1)!.pagesSharing).toBe(0);
    expect(later.length).toBeGreaterThan(quiet.length);
  });
});
