import { Machine } from "@ksm/mm";
import { parseScenario, runStep, ScenarioMemory, STEPS, type Step, type StepHost } from "@ksm/scenario";
import { describe, expect, it } from "vitest";

const anyKnob = () => null;
const base = { processes: [{ name: "a", regions: [{ name: "r", pages: 4 }] }] };

/** A host that records what the KSM steps asked of it, over a real memory. */
function recordingHost(memory: ScenarioMemory) {
  const calls: unknown[][] = [];
  const note =
    (name: string) =>
    (...args: unknown[]) => {
      calls.push([name, ...args]);
    };
  const host: StepHost<string> = {
    memory,
    scan: note("scan"),
    settle: note("settle"),
    batches: note("batches"),
    *report(label) {
      yield `report ${label}`;
    },
    *verify(label, index) {
      yield `verify ${label} at ${index}`;
    },
    *measure(step) {
      yield `measure ${step.pagesSharing}`;
    },
    knob: note("knob"),
    swapout: ({ a, b }) => note("swapout")(a, b),
    migrate: ({ a, b }, node) => note("migrate")(a, b, node),
    pressure: note("pressure"),
    offline: note("offline"),
  };
  return { host, calls };
}

describe("the step table", () => {
  it("lets the parser reject any field an op's entry does not list, naming the entry's fields", () => {
    for (const [op, def] of Object.entries(STEPS)) {
      const v2 = def.format !== 1;
      const json = { ...base, ...(v2 ? { version: 2 } : {}), steps: [{ op, bogus: 1 }] };
      let message = "";
      try {
        parseScenario(json, anyKnob);
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message, op).toMatch(/^at \$\.steps\[0\]/);
      // an op with a precheck (mmap: its process first) may fail there before its fields
      if (!def.precheck)
        expect(message, op).toContain(
          `.bogus: expected no such field here (known: ${["op", ...def.fields].join(", ")})`,
        );
    }
  });

  it("lists the ops of the scenario's format, in table order, for an unknown op", () => {
    const v1Ops = Object.entries(STEPS)
      .filter(([, d]) => d.format !== 2)
      .map(([op]) => op);
    expect(() => parseScenario({ ...base, steps: [{ op: "nope" }] }, anyKnob)).toThrow(
      `expected one of ${v1Ops.join(", ")}, got "nope"`,
    );
  });

  it("runs memory steps on the memory and KSM steps through the host, with each op's defaults", () => {
    const scenario = parseScenario(
      {
        ...base,
        version: 2,
        steps: [
          { op: "write", process: "a", region: "r", range: [0, 2], content: { pattern: 3 } },
          { op: "scan" },
          { op: "settle", maxFullScans: 5 },
          { op: "batches" },
          { op: "report", label: "x" },
          { op: "swapout", process: "a", region: "r", range: [1, 3] },
          { op: "knob", name: "run", value: 1 },
          { op: "verify" },
        ],
      },
      anyKnob,
    );
    const memory = new ScenarioMemory(new Machine());
    memory.setup(scenario);
    const { host, calls } = recordingHost(memory);
    const records = scenario.steps.flatMap((s: Step, i) => [...(runStep(s, host, i) ?? [])]);
    expect(records).toEqual(["report x", "verify verify at 7"]);
    expect(calls).toEqual([
      ["scan", 1],
      ["settle", 5],
      ["batches", 1],
      ["swapout", 1, 3],
      ["knob", "run", 1, 6],
    ]);
    expect(memory.processes.get("a")!.regions.get("r")!.expected![0]).not.toBe(0);
    expect(memory.verify()).toBe(0);
  });

  it("marks exactly the steps ScenarioMemory runs as memory steps", () => {
    const memory = new ScenarioMemory(new Machine());
    expect(() => memory.step({ op: "scan" })).toThrow("scan is not a memory step");
    expect(ScenarioMemory.isMemoryStep({ op: "exit", process: "a" })).toBe(true);
    expect(ScenarioMemory.isMemoryStep({ op: "report" })).toBe(false);
  });
});
