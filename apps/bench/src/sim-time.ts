import { DEFAULT_KNOBS, ksmdSleepMs } from "@ksm/core";
import type { Scenario } from "@ksm/scenario";
import { type CostModel, estimateKsmdSeconds } from "./cost-model.js";
import type { SeriesPoint } from "./series.js";

/** The knobs that set ksmd's pace: pages per batch, sleep between batches, the advisor. */
export interface PaceKnobs {
  readonly pages_to_scan: number;
  readonly sleep_millisecs: number;
  readonly advisor_mode: string;
}

/**
 * The pace knobs in effect at each report of a scenario (`report` and `measure` steps): the
 * kernel's defaults, then the scenario's `knobs`, then its `knob` steps in order. These are
 * the workload's own knobs; the simulator's harness (as the oracle's) runs each scan in one
 * large batch instead, so the records' own clock does not say how long ksmd would take.
 */
export function paceAtReports(scenario: Scenario): PaceKnobs[] {
  const knobs: Record<string, unknown> = { ...DEFAULT_KNOBS, ...scenario.knobs };
  const out: PaceKnobs[] = [];
  for (const step of scenario.steps) {
    if (step.op === "knob") knobs[step.name] = step.value;
    if (step.op === "report" || step.op === "measure")
      out.push({
        pages_to_scan: Number(knobs.pages_to_scan),
        sleep_millisecs: Number(knobs.sleep_millisecs),
        advisor_mode: String(knobs.advisor_mode),
      });
  }
  return out;
}

/**
 * Simulated seconds at each report, at the workload's knobs: ksmd scans `pages_to_scan`
 * pages a batch, a batch ending early at the end of a full scan, and sleeps
 * `sleep_millisecs` as whole jiffies and the timer wheel's one more after each
 * (`ksmdSleepMs`: 16 ms for 10 and 24 for 20 at HZ 250, none for 0), as the core's clock
 * (`Ksm.now`) advances;
 * a full scan of N pages takes floor(N / pages_to_scan) + 1 batches (the batch that finds
 * the end of the scan ends it). The pages of each full scan
 * are the cost counters' pages_scanned between reports (else the rmap_items at the report),
 * spread evenly over the scans between them. With a cost model, its ksmd CPU estimate is
 * added. null at every report when the scan-time advisor sets the pace (it retunes
 * pages_to_scan as it goes), or when the reports and the knobs do not line up.
 */
export function simulatedSeconds(
  series: readonly SeriesPoint[],
  pace: readonly PaceKnobs[],
  model: CostModel | null,
): (number | null)[] {
  if (pace.length !== series.length || pace.some((k) => k.advisor_mode === "scan-time"))
    return series.map(() => null);
  let sleep = 0;
  let scans = 0;
  let scanned = 0;
  return series.map((p, i) => {
    const k = pace[i]!;
    const dScans = p.fullScans - scans;
    const total = p.cost?.pages_scanned;
    const dPages = total === undefined ? dScans * p.rmapItems : total - scanned;
    if (dScans > 0) {
      const perScan = Math.floor(dPages / dScans / Math.max(1, k.pages_to_scan)) + 1;
      sleep += (dScans * perScan * ksmdSleepMs(k.sleep_millisecs)) / 1000;
    }
    scans = p.fullScans;
    if (total !== undefined) scanned = total;
    const cpu = model && p.cost ? estimateKsmdSeconds(model, p.cost) : 0;
    return sleep + (cpu ?? 0);
  });
}
