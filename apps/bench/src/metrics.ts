import { PAGE_SIZE } from "@ksm/mm";
import type { CostCounters } from "./cost.js";
import type { SeriesPoint } from "./series.js";

/** Bytes in a page: the memory model's (`@ksm/mm`), re-exported for the bench's own users. */
export { PAGE_SIZE };

/** The fractions of the final saving that "full scans to X %" are reported for. */
export const SCAN_FRACTIONS = [0.5, 0.9, 0.99] as const;

/** What a timeline run achieved. */
export interface SavingMetrics {
  /** Pages saved at the last report (pages_sharing + ksm_zero_pages). */
  readonly savedPages: number;
  /** The same in bytes. */
  readonly savedBytes: number;
  /** The saving of perfect instant dedup (see bestSaving), in pages. */
  readonly bestSavedPages: number;
  /** savedPages / bestSavedPages; null when nothing could be saved. */
  readonly shareOfBest: number | null;
  /** Full scans until the saving first reached 50 %, 90 %, 99 % of the final one (null when that is 0). */
  readonly scansTo50: number | null;
  readonly scansTo90: number | null;
  readonly scansTo99: number | null;
  /** Full scans of the whole run. */
  readonly fullScans: number;
  /** Simulated seconds until the saving first reached 50 %, 90 %, 99 % of the final one (see simulatedSeconds). */
  readonly secondsTo50: number | null;
  readonly secondsTo90: number | null;
  readonly secondsTo99: number | null;
  /** Simulated seconds of the whole run, at the workload's knobs; null when unknown. */
  readonly seconds: number | null;
}

/**
 * The first report at which the saving reached `fraction` of the final saving; undefined
 * when the final saving is 0 (nothing to reach).
 */
export function reportAtFraction(series: readonly SeriesPoint[], fraction: number): SeriesPoint | undefined {
  const last = series[series.length - 1];
  if (!last || last.savedPages <= 0) return undefined;
  const target = fraction * last.savedPages;
  return series.find((p) => p.savedPages >= target) ?? last;
}

/**
 * The full scans (the report's `fullScans`) at which the saving first reached `fraction` of
 * the final saving; null when the final saving is 0 (nothing to reach).
 */
export function scansToFraction(series: readonly SeriesPoint[], fraction: number): number | null {
  return reportAtFraction(series, fraction)?.fullScans ?? null;
}

/** The same in simulated seconds (null also when the series has no simulated time). */
export function secondsToFraction(series: readonly SeriesPoint[], fraction: number): number | null {
  return reportAtFraction(series, fraction)?.seconds ?? null;
}

/** The saving metrics of a timeline against the best possible saving. */
export function savingMetrics(series: readonly SeriesPoint[], bestSavedPages: number): SavingMetrics {
  const last = series[series.length - 1];
  const saved = last?.savedPages ?? 0;
  return {
    savedPages: saved,
    savedBytes: saved * PAGE_SIZE,
    bestSavedPages,
    shareOfBest: bestSavedPages > 0 ? saved / bestSavedPages : null,
    scansTo50: scansToFraction(series, 0.5),
    scansTo90: scansToFraction(series, 0.9),
    scansTo99: scansToFraction(series, 0.99),
    fullScans: last?.fullScans ?? 0,
    secondsTo50: secondsToFraction(series, 0.5),
    secondsTo90: secondsToFraction(series, 0.9),
    secondsTo99: secondsToFraction(series, 0.99),
    seconds: last?.seconds ?? null,
  };
}

/** The cost counters of the last report that has them (they are cumulative), if any. */
export function finalCost(series: readonly SeriesPoint[]): Partial<CostCounters> | undefined {
  for (let i = series.length - 1; i >= 0; i--) if (series[i]!.cost) return series[i]!.cost;
  return undefined;
}
