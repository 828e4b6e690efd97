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

/** What the parser tracks while it walks the steps: the live processes and their regions by name. */
export type Live = Map<string, Map<string, LiveRegion>>;

/** The region's per-page states, made explicit (every page mapped read-write) on first need. */
export function pageStates(r: LiveRegion): Uint8Array {
  r.prot ??= new Uint8Array(r.pages).fill(PROT_CODES.readwrite);
  return r.prot;
}
