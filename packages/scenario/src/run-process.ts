import type { Mm } from "@ksm/mm";

/** `expected` of a page a partial munmap took away (no content handle is this large). */
export const UNMAPPED = 0xffff_ffff;

/** A region of a simulated process: where it is mapped and what each page must hold. */
export interface RunRegion {
  /** First page; mremap moves it. */
  start: number;
  readonly pages: number;
  /**
   * What was last written to each page (verify checks against it); {@link UNMAPPED} for
   * holes. A typed array: 4 bytes a page, not a JS array's 8.
   */
  readonly expected: Uint32Array;
}

/** A simulated process. */
export interface RunProcess {
  readonly name: string;
  readonly mm: Mm;
  readonly regions: Map<string, RunRegion>;
  /** v2: the address slot the next mmap or mremap of this process takes. */
  nextSlot: number;
}

/** The process, region and [a, b) page range a step names. */
export interface StepRange {
  readonly proc: RunProcess;
  readonly region: RunRegion;
  readonly a: number;
  readonly b: number;
}
