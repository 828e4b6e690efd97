import type { ReportRecord, SimRecord } from "@ksm/sim";
import { type CostCounters, recordCost } from "./cost.js";

/** One report of a timeline: the counters that make the charts and the metrics. */
export interface SeriesPoint {
  /** Full scans since the scenario began. */
  readonly fullScans: number;
  /** Pages saved: pages_sharing + ksm_zero_pages. */
  readonly savedPages: number;
  readonly pagesShared: number;
  readonly pagesSharing: number;
  readonly pagesUnshared: number;
  readonly pagesVolatile: number;
  readonly ksmZeroPages: number;
  /** rmap_items of every live process (ksm_rmap_items summed). */
  readonly rmapItems: number;
  /** The record's cost counters, when it has them. */
  readonly cost?: Partial<CostCounters>;
  /** The best possible saving of the state this report describes, in pages (see bestSaving). */
  readonly bestSavedPages?: number;
  /** Pages swapped in and out so far (pswpin + pswpout), when the record carries vmstat. */
  readonly swapIo?: number;
  /** Simulated seconds since the scenario began, at the workload's knobs (see simulatedSeconds). */
  readonly seconds?: number;
}

/** Whether a record is a report (not a verify record). */
export function isReport(r: SimRecord): r is ReportRecord {
  return "counters" in r;
}

/**
 * The timeline of a run: one point per report record, with the best possible saving of
 * each report's state when `best` has one entry per report.
 */
export function toSeries(records: readonly SimRecord[], best: readonly number[] = []): SeriesPoint[] {
  const reports = records.filter(isReport);
  const withBest = best.length === reports.length;
  return reports.map((r, i) => {
    const c = r.counters;
    const cost = recordCost(r);
    return {
      fullScans: r.fullScans,
      savedPages: c.pages_sharing + c.ksm_zero_pages,
      pagesShared: c.pages_shared,
      pagesSharing: c.pages_sharing,
      pagesUnshared: c.pages_unshared,
      pagesVolatile: c.pages_volatile,
      ksmZeroPages: c.ksm_zero_pages,
      rmapItems: Object.values(r.processes).reduce((s, p) => s + p.ksm_rmap_items, 0),
      ...(cost ? { cost } : {}),
      ...(withBest ? { bestSavedPages: best[i]! } : {}),
      ...(r.vmstat ? { swapIo: r.vmstat.pswpin + r.vmstat.pswpout } : {}),
    };
  });
}

/**
 * Pages ksmd visited, estimated from a timeline without cost counters: each full scan
 * visits every rmap_item present at the report that follows it. Exact with smart_scan 0
 * and one report after every scan; with smart scan an upper bound (skipped pages count).
 */
export function visitedPages(series: readonly SeriesPoint[]): number {
  let total = 0;
  let scans = 0;
  for (const p of series) {
    total += (p.fullScans - scans) * p.rmapItems;
    scans = p.fullScans;
  }
  return total;
}
