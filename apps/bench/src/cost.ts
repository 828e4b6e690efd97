import type { CostCounters } from "@ksm/contracts";

export type { CostCounters };

/** The cost counters' names, in the order the reports print them. */
export const COST_FIELDS = [
  "pages_scanned",
  "checksums",
  "bytes_hashed",
  "memcmp_calls",
  "bytes_compared",
  "tree_nodes_visited",
  "merges",
  "cow_breaks",
  "rmap_walks",
] as const satisfies readonly (keyof CostCounters)[];

/** The `cost` object of a record, when the simulator reports one (older builds do not). */
export function recordCost(record: unknown): Partial<CostCounters> | undefined {
  const cost = (record as { cost?: unknown } | null)?.cost;
  if (cost === null || typeof cost !== "object") return undefined;
  const out: Partial<CostCounters> = {};
  for (const k of COST_FIELDS) {
    const v = (cost as Record<string, unknown>)[k];
    if (typeof v === "number") out[k] = v;
  }
  return out;
}
