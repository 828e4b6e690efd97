/** Per-page state codes the parser and the runner share: unmapped, or mapped with a protection. */
export const PROT_CODES = { unmapped: 0, none: 1, read: 2, readwrite: 3 } as const;

/**
 * A region as the parser tracks it through the steps: its size and, once a step made the
 * pages differ (a partial munmap, an mprotect), one {@link PROT_CODES} value per page; null
 * while every page is mapped read-write.
 */
export interface LiveRegion {
  readonly pages: number;
  prot: Uint8Array | null;
}
