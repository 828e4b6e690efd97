import type { CellResult } from "../cell.js";

/** Mean of the finite numbers among `xs`; null when there are none. */
export function mean(xs: readonly (number | null | undefined)[]): number | null {
  const v = xs.filter((x): x is number => typeof x === "number" && Number.isFinite(x));
  return v.length ? v.reduce((s, x) => s + x, 0) / v.length : null;
}

/** One line of the summary: a workload on a profile and variant, averaged over its seeds. */
export interface SummaryRow {
  readonly workload: string;
  readonly profile: string;
  readonly variant: string;
  readonly seeds: number;
  readonly errors: number;
  readonly savedMiB: number | null;
  readonly bestMiB: number | null;
  readonly shareOfBest: number | null;
  readonly scansTo50: number | null;
  readonly scansTo90: number | null;
  readonly scansTo99: number | null;
  readonly pagesScanned: number | null;
  readonly estKsmdSeconds: number | null;
  readonly wallSeconds: number | null;
}

const MIB = 1024 * 1024;

/** The results grouped by workload, profile and variant (in key order), averaged over seeds. */
export function summarise(results: readonly CellResult[]): SummaryRow[] {
  const groups = new Map<string, CellResult[]>();
  for (const r of results) {
    const k = `${r.spec.workload}|${r.spec.profile}|${r.variant}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  return [...groups.values()].map((g) => {
    const ok = g.filter((r) => r.metrics);
    const m = ok.map((r) => r.metrics!);
    return {
      workload: g[0]!.spec.workload,
      profile: g[0]!.spec.profile,
      variant: g[0]!.variant,
      seeds: g.length,
      errors: g.length - ok.length,
      savedMiB: mean(m.map((x) => x.savedBytes / MIB)),
      bestMiB: mean(m.map((x) => (x.bestSavedPages * 4096) / MIB)),
      shareOfBest: mean(m.map((x) => x.shareOfBest)),
      scansTo50: mean(m.map((x) => x.scansTo50)),
      scansTo90: mean(m.map((x) => x.scansTo90)),
      scansTo99: mean(m.map((x) => x.scansTo99)),
      pagesScanned: mean(ok.map((r) => r.pagesScanned)),
      estKsmdSeconds: mean(ok.map((r) => r.estKsmdSeconds)),
      wallSeconds: mean(ok.map((r) => r.wallSeconds)),
    };
  });
}

/** A number with `digits` decimals, or "–" for null. */
export function fmt(v: number | null | undefined, digits = 2): string {
  return v === null || v === undefined || !Number.isFinite(v) ? "–" : v.toFixed(digits);
}
