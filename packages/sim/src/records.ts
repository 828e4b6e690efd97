import type { CostCounters } from "@ksm/contracts";
import type { KsmCounters, KsmStat } from "@ksm/core";
import type { VmStat } from "@ksm/mm";

/** The counters a report carries, as the oracle reads them from /sys/kernel/mm/ksm. */
export const REPORTED_COUNTERS = [
  "pages_shared",
  "pages_sharing",
  "pages_unshared",
  "pages_volatile",
  "ksm_zero_pages",
  "stable_node_chains",
  "stable_node_dups",
  "general_profit",
  "full_scans",
] as const satisfies readonly (keyof KsmCounters)[];

/** The counters a v2 report carries: v1's and the pages scanned and skipped since the start. */
export const V2_REPORTED_COUNTERS = [
  ...REPORTED_COUNTERS,
  "pages_scanned",
  "pages_skipped",
] as const satisfies readonly (keyof KsmCounters)[];

/** A report record (SCENARIO.md "Output"; v2 adds `batches`, two counters, `AnonHugePages`). */
export interface ReportRecord {
  readonly label: string;
  readonly fullScans: number;
  /** v2: ksmd batches run since the scenario began. */
  readonly batches?: number;
  readonly counters: Pick<KsmCounters, (typeof REPORTED_COUNTERS)[number]> &
    Partial<Pick<KsmCounters, (typeof V2_REPORTED_COUNTERS)[number]>>;
  readonly processes: Readonly<Record<string, KsmStat & { readonly AnonHugePages?: number }>>;
  /** What the simulation spent up to this report (simulator extension). */
  readonly cost: CostCounters;
  /** /proc/vmstat events: swap, KSM copies, migration (simulator extension). */
  readonly vmstat: VmStat;
  readonly seconds?: number;
}

/** A verify record. */
export interface VerifyRecord {
  readonly label: string;
  readonly verify: { readonly badPages: number };
}

/** One output line. */
export type SimRecord = ReportRecord | VerifyRecord;

/** JSON with sorted keys and Python's separators, byte-identical to the oracle's lines. */
export function toJsonLine(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(toJsonLine).join(", ")}]`;
  if (value !== null && typeof value === "object") {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}: ${toJsonLine((value as Record<string, unknown>)[k])}`).join(", ")}}`;
  }
  return JSON.stringify(value);
}
