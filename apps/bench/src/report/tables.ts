import type { CellResult } from "../cell.js";
import type { Calibration } from "../cost-model.js";
import {
  fmt,
  fmtDifference,
  fmtEstimate,
  SUMMARY_METRICS,
  type SummaryMetric,
  type SummaryRow,
} from "./summary.js";
import type { RunInfo } from "./write.js";

/** A table of the report: header, rows of text, and per column "l" or "r" (numbers). */
export interface ReportTable {
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
  readonly align: string;
}

/** The metrics the summary table shows (all of SUMMARY_METRICS). */
const SHOWN: readonly SummaryMetric[] = SUMMARY_METRICS;

/** The metrics the differences table compares with the default. */
const COMPARED: readonly SummaryMetric[] = SUMMARY_METRICS.filter((m) =>
  ["savedMiB", "shareOfBest", "scansTo90", "secondsTo90", "estKsmdSeconds"].includes(m.id),
);

/** One row per cell group: each metric as mean ± half-width of its 95 % CI over the seeds. */
export function summaryTable(rows: readonly SummaryRow[]): ReportTable {
  return {
    header: ["workload", "profile", "variant", "seeds", ...SHOWN.map((m) => m.label), "sim wall s"],
    rows: rows.map((s) => [
      s.workload,
      s.profile,
      s.variant + (s.errors ? ` (${s.errors} failed)` : "") + (s.noEffect ? " (no effect)" : ""),
      String(s.seeds),
      ...SHOWN.map((m) => fmtEstimate(s.stats[m.id], m.digits)),
      fmt(s.wallSeconds, 2),
    ]),
    align: `lllr${"r".repeat(SHOWN.length)}r`,
  };
}

/**
 * One row per variant that changes something: its difference from the profile's default,
 * paired by seed, with the 95 % CI and `*` where the interval excludes 0.
 */
export function differenceTable(rows: readonly SummaryRow[]): ReportTable {
  return {
    header: ["workload", "profile", "variant", "seeds", ...COMPARED.map((m) => `Δ ${m.label}`)],
    rows: rows
      .filter((s) => s.diff && !s.noEffect)
      .map((s) => [
        s.workload,
        s.profile,
        s.variant,
        String(s.diff![COMPARED[0]!.id]?.n ?? 0),
        ...COMPARED.map((m) => fmtDifference(s.diff![m.id], m.digits)),
      ]),
    align: `lllr${"r".repeat(COMPARED.length)}`,
  };
}

/** The variants that gave the default's result on every seed, by workload and profile. */
export function noEffectList(rows: readonly SummaryRow[]): string[] {
  const byGroup = new Map<string, string[]>();
  for (const s of rows.filter((r) => r.noEffect)) {
    const k = `${s.workload} (${s.profile})`;
    byGroup.set(k, [...(byGroup.get(k) ?? []), s.variant]);
  }
  return [...byGroup].map(([k, vs]) => `${k}: ${vs.join(", ")}`);
}

/** What the summary table shows. */
export const SUMMARY_NOTE =
  "Saved = pages_sharing + ksm_zero_pages at the last report; best = perfect instant dedup of the mergeable pages; scans to X% = full scans until the saving first reached X% of its final value; sim s = simulated seconds at the workload's knobs (ksmd's sleeps between batches of pages_to_scan pages, plus the cost model's CPU estimate). Each value: mean ± half-width of the 95 % confidence interval over the seeds (Student t; the mean alone for one seed).";
/** What the differences table shows. */
export const DIFFERENCE_NOTE =
  "Variant − default on the same seed (the same scenario), averaged over the seeds: mean [95 % CI]; * where the interval excludes 0.";
/** What the Pareto lists show. */
export const PARETO_NOTE =
  "Per workload, the variants no other variant beats on both saving and ksmd CPU (the cost model's estimate, else pages scanned), cheapest first; means over the seeds (pareto-W.svg draws them with their intervals).";
/** What the no-effect list means. */
export const NO_EFFECT_NOTE =
  "These variants gave the default's result exactly, on every seed (the same counters at every report); they are left out of the differences and the charts.";

/** Where the ksmd CPU estimates come from, and whether pages scanned are estimated. */
export function modelNote(calibration: Calibration | null, results: readonly CellResult[]): string {
  const c = calibration;
  const estimated = results.some((r) => r.pagesScannedEstimated);
  const parts = [
    c
      ? `ksmd CPU estimated with the cost model of apps/bench/calibration.json (${c.date}, ${c.features.join(", ")})${c.provisional ? ", a PROVISIONAL model on pages scanned only" : ""}.`
      : "No calibration file: no ksmd CPU estimate.",
  ];
  if (estimated)
    parts.push(
      "The simulator reports no cost counters yet: pages scanned are estimated as the rmap_items present at each full scan (an upper bound with smart scan).",
    );
  return parts.join(" ");
}

/** Where the cells ran, for the report's first line. */
export function ranOn(info: Pick<RunInfo, "workers" | "queue">): string {
  return info.queue ? `on the workers of the queue ${info.queue}` : `on ${info.workers} worker threads`;
}
