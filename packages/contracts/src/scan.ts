/** What a scan policy sees of one page visit. */
export interface PageVisit {
  /** The rmap_item's handle (stable for the item's life). */
  readonly item: number;
  /** Whether the page is a KSM page already. */
  readonly ksm: boolean;
}

/**
 * The order and pace of ksmd's scan. The cursor always walks the mm list and each mm's
 * VMAs in address order (the rmap_item lists depend on it); a policy decides the order of
 * the mm list at each full scan, which VMAs to pass over, and which pages to skip.
 *
 * Each hook a policy leaves out keeps the kernel's behaviour: without `skipPage`, pages are
 * skipped by the kernel's smart scan when the `smart_scan` knob is 1 (in profiles that have
 * it); with `skipPage`, the policy alone decides (`linear` never skips, whatever the knob).
 */
export interface ScanPolicy {
  /** Name, as the CLI spells it. */
  readonly name: string;
  /** Called when a full scan starts; may reorder the registered mms (ids, in list order). */
  startFullScan?(seqnr: number, mms: number[]): void;
  /** Whether to pass over a whole VMA in this full scan. */
  skipVma?(mm: number, vmaStart: number, seqnr: number): boolean;
  /**
   * Whether to skip a page this time, instead of the kernel's smart scan. `age` and
   * `remainingSkips` are the item's counters, updated in place.
   */
  skipPage?(visit: PageVisit, state: SkipState): boolean;
}

/** The smart-scan counters of an rmap_item (`age`, `remaining_skips`), mutable by the policy. */
export interface SkipState {
  age: number;
  remainingSkips: number;
}
