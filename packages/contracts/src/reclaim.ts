/** What a reclaim policy may look at when choosing victims. */
export interface ReclaimContext {
  /** Allocation order of a frame (older is smaller). */
  allocSeq(pfn: number): number;
  /**
   * `folio_referenced`: whether any mapping accessed the frame since the last look (the
   * accessed bits are cleared). Each call costs an rmap walk.
   */
  referenced(pfn: number): boolean;
}

/**
 * Page reclaim's choice of victims under memory pressure. Candidates are the mapped
 * anonymous frames (KSM pages included); the policy returns up to `count` of them, best
 * victim first. A policy may keep state between calls; frames it does not see again are gone.
 */
export interface ReclaimPolicy {
  /** Name, as the CLI spells it. */
  readonly name: string;
  selectVictims(candidates: readonly number[], count: number, ctx: ReclaimContext): number[];
}
