import type { Mm } from "@ksm/mm";

/** `expected` of a page a partial munmap took away (no content handle is this large). */
export const UNMAPPED = 0xffff_ffff;

/** The runs [x, y) of pages in [a, b) of the region at `start` that some VMA of `mm` still maps. */
export function mappedRuns(mm: Mm, start: number, a: number, b: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = mm.firstVmaAfter(start + a); i < mm.vmas.length; i++) {
    const v = mm.vmas[i]!;
    const x = Math.max(v.start, start + a) - start;
    const y = Math.min(v.end, start + b) - start;
    if (x >= b) break;
    const last = out[out.length - 1];
    if (last && last[1] === x) last[1] = y;
    else out.push([x, y]);
  }
  return out;
}

/** A region of a simulated process: where it is mapped and what each page must hold. */
export interface RunRegion {
  /** First page; mremap moves it. */
  start: number;
  readonly pages: number;
  /**
   * What was last written to each page (verify checks against it); {@link UNMAPPED} for
   * holes. A typed array: 4 bytes a page, not a JS array's 8; null when its ScenarioMemory
   * keeps no contents (`keepContents: false`), as only verify reads them.
   */
  readonly expected: Uint32Array | null;
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
