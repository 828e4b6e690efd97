import type { CellResult } from "../cell.js";
import { PAGE_SIZE } from "../metrics.js";
import { type Estimate, estimate, excludesZero, pairedDifference } from "../stats.js";

/** Mean of the finite numbers among `xs`; null when there are none. */
export function mean(xs: readonly (number | null | undefined)[]): number | null {
  return estimate(xs)?.mean ?? null;
}

const MIB = 1024 * 1024;

/** A metric of the summary: its name, how a cell gives it, and how many decimals it prints with. */
export interface SummaryMetric {
  readonly id: string;
  readonly label: string;
  readonly digits: number;
  of(r: CellResult): number | null | undefined;
}

/** The metrics summarised per cell group (mean, sd, 95 % CI over seeds) and compared with the default. */
export const SUMMARY_METRICS: readonly SummaryMetric[] = [
  { id: "savedMiB", label: "saved MiB", digits: 1, of: (r) => r.metrics && r.metrics.savedBytes / MIB },
  {
    id: "bestMiB",
    label: "best MiB",
    digits: 1,
    of: (r) => r.metrics && (r.metrics.bestSavedPages * PAGE_SIZE) / MIB,
  },
  {
    id: "shareOfBest",
    label: "share of best %",
    digits: 1,
    of: (r) => (r.metrics?.shareOfBest == null ? null : r.metrics.shareOfBest * 100),
  },
  { id: "scansTo50", label: "scans to 50%", digits: 1, of: (r) => r.metrics?.scansTo50 },
  { id: "scansTo90", label: "scans to 90%", digits: 1, of: (r) => r.metrics?.scansTo90 },
  { id: "scansTo99", label: "scans to 99%", digits: 1, of: (r) => r.metrics?.scansTo99 },
  { id: "secondsTo90", label: "sim s to 90%", digits: 2, of: (r) => r.metrics?.secondsTo90 },
  { id: "seconds", label: "sim s", digits: 2, of: (r) => r.metrics?.seconds },
  {
    id: "pagesScannedM",
    label: "pages scanned (M)",
    digits: 2,
    of: (r) => (r.metrics ? r.pagesScanned / 1e6 : null),
  },
  { id: "estKsmdSeconds", label: "est. ksmd CPU s", digits: 3, of: (r) => r.estKsmdSeconds },
];

/** One cell group: a workload on a profile and variant, over its seeds. */
export interface SummaryRow {
  readonly workload: string;
  readonly profile: string;
  readonly variant: string;
  readonly seeds: number;
  readonly errors: number;
  /** Mean, sd and 95 % CI over the seeds, by metric id. */
  readonly stats: Readonly<Record<string, Estimate | null>>;
  /**
   * The per-seed difference from the profile's default on the same workload, by metric id
   * (null for the default itself, or without a default group).
   */
  readonly diff: Readonly<Record<string, Estimate | null>> | null;
  /** Metric ids whose difference's 95 % CI excludes 0. */
  readonly significant: readonly string[];
  /**
   * Every seed gave the default's result exactly (the same counters at every report): the
   * variant changes nothing on this workload.
   */
  readonly noEffect: boolean;
  readonly wallSeconds: number | null;
}

/** The group key of a cell: workload, profile and variant. */
export function groupKey(r: CellResult): string {
  return `${r.spec.workload}|${r.spec.profile}|${r.variant}`;
}

/** What a cell measured, as text, for telling equal runs apart (no key, spec or wall time). */
export function outcome(r: CellResult): string {
  return JSON.stringify([r.metrics, r.series, r.cost, r.pagesScanned, r.estKsmdSeconds, r.error]);
}

function bySeed(cells: readonly CellResult[], m: SummaryMetric): Map<number, number | null | undefined> {
  return new Map(cells.map((r) => [r.spec.seed, r.metrics ? m.of(r) : null]));
}

/**
 * The results grouped by workload, profile and variant (in key order): each metric's mean,
 * standard deviation and 95 % confidence interval over the seeds, and each variant's
 * difference from its profile's default, paired by seed.
 */
export function summarise(results: readonly CellResult[]): SummaryRow[] {
  const groups = new Map<string, CellResult[]>();
  for (const r of results) groups.set(groupKey(r), [...(groups.get(groupKey(r)) ?? []), r]);
  return [...groups.values()].map((g) => {
    const first = g[0]!;
    const ok = g.filter((r) => r.metrics);
    const base =
      first.variant === "default"
        ? undefined
        : groups.get(`${first.spec.workload}|${first.spec.profile}|default`);
    const stats = Object.fromEntries(SUMMARY_METRICS.map((m) => [m.id, estimate(ok.map(m.of))]));
    const diff = base
      ? Object.fromEntries(
          SUMMARY_METRICS.map((m) => [m.id, pairedDifference(bySeed(g, m), bySeed(base, m))]),
        )
      : null;
    const baseOutcome = new Map(base?.map((r) => [r.spec.seed, outcome(r)]));
    return {
      workload: first.spec.workload,
      profile: first.spec.profile,
      variant: first.variant,
      seeds: g.length,
      errors: g.length - ok.length,
      stats,
      diff,
      significant: diff ? SUMMARY_METRICS.filter((m) => excludesZero(diff[m.id]!)).map((m) => m.id) : [],
      noEffect:
        base !== undefined &&
        ok.length === g.length &&
        g.every((r) => baseOutcome.get(r.spec.seed) === outcome(r)),
      wallSeconds: mean(ok.map((r) => r.wallSeconds)),
    };
  });
}

/** A number with `digits` decimals ("0.0", never "-0.0"), or "–" for null. */
export function fmt(v: number | null | undefined, digits = 2): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "–";
  const t = v.toFixed(digits);
  return Number(t) === 0 ? (0).toFixed(digits) : t;
}

/** An estimate as `mean ± half-width of the 95 % CI` (just the mean for one seed). */
export function fmtEstimate(e: Estimate | null | undefined, digits: number): string {
  if (!e) return "–";
  return e.n < 2 ? fmt(e.mean, digits) : `${fmt(e.mean, digits)} ± ${fmt((e.hi - e.lo) / 2, digits)}`;
}

/** A difference as `+mean [lo, hi]`, with `*` when the interval excludes 0. */
export function fmtDifference(e: Estimate | null | undefined, digits: number): string {
  if (!e) return "–";
  const sign = (v: number) => (Number(fmt(v, digits)) > 0 ? "+" : "") + fmt(v, digits);
  if (e.n < 2) return sign(e.mean);
  return `${sign(e.mean)} [${fmt(e.lo, digits)}, ${fmt(e.hi, digits)}]${excludesZero(e) ? " *" : ""}`;
}
