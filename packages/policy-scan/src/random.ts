import { type ScanPolicy, SplitMix32 } from "@ksm/contracts";

/** Options of {@link randomScan}. */
export interface RandomScanOptions {
  /** Seed of the permutations (default 1). */
  readonly seed?: number;
}

/**
 * The mm list in a fresh random order at every full scan (a Fisher–Yates shuffle driven by a
 * seeded SplitMix32, so the same seed repeats the same run), in the spirit of VMware ESX,
 * which samples pages at random rather than sweeping memory in order. Within an mm the scan
 * stays in ascending address order: each mm's rmap_items form a list sorted by address that
 * `get_next_rmap_item` walks in step with the cursor, freeing the items it passes.
 */
export function randomScan(opts: RandomScanOptions = {}): ScanPolicy {
  const rng = new SplitMix32(opts.seed ?? 1);
  return {
    name: "random",
    startFullScan(_seqnr, mms) {
      for (let i = mms.length - 1; i > 0; i--) {
        const j = rng.below(i + 1);
        const t = mms[i]!;
        mms[i] = mms[j]!;
        mms[j] = t;
      }
    },
  };
}
