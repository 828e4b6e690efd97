import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseScenario } from "@ksm/scenario";
import { buildSimulation, type SimRecord, simulate, validateKnob } from "@ksm/sim";
import { describe, expect, it } from "vitest";
import { RECORDING_SETS } from "./recordings.js";

// Replaying a full scan that repeats the previous one (@ksm/core's ScanReplay) must change
// nothing a simulation prints: every scenario the repo has kernel recordings for runs twice,
// with replays and with every scan walked, and the records (counters, ksm_stat, cost
// counters, simulated seconds) must be equal, field for field. The replays run "checked":
// every state digest the replay would reuse is taken again, and a difference is an error.
const ROOT = resolve(import.meta.dirname, "../../..");
const sim = await buildSimulation();

function run(
  file: string,
  replay: boolean | "checked",
): { records: (SimRecord | string)[]; replayed: number } {
  const scenario = parseScenario(JSON.parse(readFileSync(file, "utf8")), validateKnob);
  const records: (SimRecord | string)[] = [];
  let replayed = 0;
  try {
    const opts = {
      ...sim,
      replay,
      onReport: (_: string, s: { ksm: { replay: { replayed: number } } }) => {
        replayed = s.ksm.replay.replayed;
      },
    };
    for (const r of simulate(scenario, opts)) records.push(r);
  } catch (e) {
    records.push(`error: ${String(e)}`);
  }
  return { records, replayed };
}

const files = RECORDING_SETS.flatMap((dir) =>
  readdirSync(join(ROOT, dir))
    .filter((f) => f.endsWith(".json"))
    .map((f) => join(ROOT, dir, f)),
);

describe("replayed full scans print what walked ones do", () => {
  let replaying = 0;
  it.each(files.map((f) => f.slice(ROOT.length + 1)))("%s", (name) => {
    const walked = run(join(ROOT, name), false);
    const replayed = run(join(ROOT, name), "checked");
    expect(walked.replayed).toBe(0);
    expect(replayed.records).toEqual(walked.records);
    if (replayed.replayed > 0) replaying++;
  });
  it("replayed scans in many of them", () => {
    expect(replaying).toBeGreaterThan(files.length / 20);
  });
});
