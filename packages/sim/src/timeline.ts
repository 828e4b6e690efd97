import { DEFAULT_KNOBS } from "@ksm/core";
import { PAGE_SIZE } from "@ksm/mm";
import { type Scenario, ScenarioMemory, type Step } from "@ksm/scenario";
import { type SimulationOptions, simulate } from "./simulate.js";

/** Memory steps that land when the simulated clock reaches `atMs` (a capture's later snapshots). */
export interface TimedSteps {
  /** After ksmd starts, ms. */
  readonly atMs: number;
  readonly steps: readonly Step[];
}

/** The state after one full scan of ksmd running as configured. */
export interface TimelinePoint {
  readonly fullScans: number;
  /** Simulated time since ksmd started: its sleeps plus its modeled CPU time, s. */
  readonly seconds: number;
  /** Modeled ksmd CPU time so far, s. */
  readonly cpuSeconds: number;
  readonly pagesShared: number;
  readonly pagesSharing: number;
  readonly ksmZeroPages: number;
  /** (pages_sharing + ksm_zero_pages) pages, MiB. */
  readonly savedMiB: number;
  /** general_profit, MiB. */
  readonly profitMiB: number;
}

/** How ksmd runs for a timeline. */
export interface TimelineKnobs {
  readonly pagesToScan: number;
  readonly sleepMillisecs: number;
}

/** A timeline stops after this many full scans even if the counters still move. */
const MAX_FULL_SCANS = 200;
/** Settled: the counters stayed the same over this many full scans in a row. */
const SETTLED_SCANS = 3;

/**
 * What ksmd does over simulated time at the given `pages_to_scan` and `sleep_millisecs`
 * (the scenario's other knobs as set): the scenario's processes are set up, ksmd runs batch
 * by batch with its sleeps, the trace's writes land when the simulated clock reaches their
 * snapshot's time, and a point is taken at every full scan until the counters settle
 * (unchanged over 3 full scans after the last write) or 200 full scans.
 */
export function timeline(
  scenario: Scenario,
  sim: SimulationOptions,
  knobs: TimelineKnobs,
  trace: readonly TimedSteps[] = [],
): TimelinePoint[] {
  const points: TimelinePoint[] = [];
  const start: Scenario = { ...scenario, steps: [{ op: "report", label: "start" }] };
  const onReport: SimulationOptions["onReport"] = (_label, { ksm, memory }) => {
    ksm.writeKnob("pages_to_scan", knobs.pagesToScan);
    ksm.writeKnob("sleep_millisecs", knobs.sleepMillisecs);
    ksm.writeKnob("run", 1);
    const t0 = ksm.now;
    const cpu0 = ksm.cpuNs;
    let next = 0;
    let prev = "";
    let same = 0;
    while (ksm.shouldRun() && points.length < MAX_FULL_SCANS) {
      while (next < trace.length && ksm.now - t0 >= trace[next]!.atMs) {
        for (const step of trace[next++]!.steps) if (ScenarioMemory.isMemoryStep(step)) memory.step(step);
        same = 0;
      }
      if (!ksm.runBatch()) continue;
      const c = ksm.counters();
      points.push({
        fullScans: points.length + 1,
        seconds: (ksm.now - t0) / 1000,
        cpuSeconds: (ksm.cpuNs - cpu0) / 1e9,
        pagesShared: c.pages_shared,
        pagesSharing: c.pages_sharing,
        ksmZeroPages: c.ksm_zero_pages,
        savedMiB: ((c.pages_sharing + c.ksm_zero_pages) * PAGE_SIZE) / 2 ** 20,
        profitMiB: c.general_profit / 2 ** 20,
      });
      const key = `${c.pages_shared},${c.pages_sharing},${c.pages_unshared},${c.ksm_zero_pages}`;
      same = key === prev ? same + 1 : 0;
      prev = key;
      if (next === trace.length && same >= SETTLED_SCANS - 1) break;
    }
  };
  for (const _ of simulate(start, { ...sim, onReport }));
  return points;
}

/** The knobs a timeline runs with: the flags, else the scenario's, else the kernel's defaults. */
export function timelineKnobs(scenario: Scenario, flags: Partial<TimelineKnobs>): TimelineKnobs {
  const k = scenario.knobs;
  return {
    pagesToScan: flags.pagesToScan ?? Number(k.pages_to_scan ?? DEFAULT_KNOBS.pages_to_scan),
    sleepMillisecs: flags.sleepMillisecs ?? Number(k.sleep_millisecs ?? DEFAULT_KNOBS.sleep_millisecs),
  };
}
