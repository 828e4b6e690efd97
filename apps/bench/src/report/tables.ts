import {
  fmt,
  fmtDifference,
  fmtEstimate,
  SUMMARY_METRICS,
  type SummaryMetric,
  type SummaryRow,
} from "./summary.js";

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
