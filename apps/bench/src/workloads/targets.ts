import type { FillSpec, ProcessSpec, Scenario } from "@ksm/scenario";
import { intParam, type Workload, type WorkloadParams } from "./types.js";

/**
 * `speed-dup-1024`, the merge-speed target: one process of `pages` pages holding
 * `contents` distinct contents in runs of `pages / contents` copies, smart_scan 0, and one
 * `measure` step to the pages_sharing that max_page_sharing (256) allows:
 * pages − contents × ⌈copies / 256⌉ (261,120 for the defaults, 1,024 KSM pages).
 */
export const speedDup: Workload = {
  name: "speed-dup-1024",
  description: "merge speed: 262,144 pages, 64 contents x 4,096 copies, measure to pages_sharing 261,120",
  defaults: { pages: 262_144, contents: 64 },
  docs: { pages: "pages of the one process", contents: "distinct contents (runs of equal pages)" },
  generate(p: WorkloadParams): Scenario {
    const pages = intParam(p, "pages", 1);
    const contents = intParam(p, "contents", 1);
    if (pages % contents) throw new RangeError("pages must be a multiple of contents");
    const copies = pages / contents;
    const fill: FillSpec[] = Array.from({ length: contents }, (_, k) => ({
      range: [k * copies, (k + 1) * copies] as const,
      content: { pattern: k },
    }));
    return {
      name: `speed-dup-${contents * Math.ceil(copies / 256)}`,
      knobs: { smart_scan: 0 },
      processes: [{ name: "p", regions: [{ name: "r", pages, fill }] }],
      steps: [
        { op: "measure", pagesSharing: speedDupTarget(pages, contents), label: "merged", timeout: 600 },
      ],
    };
  },
};

/** pages_sharing when every content of speed-dup is merged: the copies minus one KSM page per dup. */
export function speedDupTarget(pages: number, contents: number, maxPageSharing = 256): number {
  return pages - contents * Math.ceil(pages / contents / maxPageSharing);
}

/**
 * The scale target: `guests` guests of `pages` pages, half of each a shared image
 * (`{"sequence": …}`), an eighth zero, the rest unique; default knobs; `settle`, `report`.
 */
export const scaleGuests: Workload = {
  name: "scale",
  description: "16 guests x 262,144 pages: half a shared image, an eighth zero, the rest unique; settle",
  defaults: { guests: 16, pages: 262_144 },
  docs: { guests: "guests (processes)", pages: "pages per guest (a multiple of 8)" },
  generate(p: WorkloadParams): Scenario {
    const guests = intParam(p, "guests", 1);
    const pages = intParam(p, "pages", 8);
    if (pages % 8) throw new RangeError("pages must be a multiple of 8");
    const half = pages / 2;
    const zeroEnd = half + pages / 8;
    const processes: ProcessSpec[] = Array.from({ length: guests }, (_, g) => ({
      name: `guest${g}`,
      regions: [
        {
          name: "ram",
          pages,
          fill: [
            { range: [0, half] as const, content: { sequence: 1_000_000 } },
            { range: [half, zeroEnd] as const, content: "zero" as const },
            { range: [zeroEnd, pages] as const, content: "unique" as const },
          ],
        },
      ],
    }));
    return {
      name: `scale-${guests}x${pages}`,
      knobs: {},
      processes,
      steps: [{ op: "settle" }, { op: "report", label: "settled" }],
    };
  },
};

/** What the kernel reaches on {@link scaleGuests} once settled, from its rules (see the README). */
export interface ScaleExpectation {
  readonly pages_shared: number;
  readonly pages_sharing: number;
}

/**
 * The kernel's pages_shared / pages_sharing for the scale workload once settled. A content
 * with c ≥ 2 copies ends in ⌈c / max_page_sharing⌉ KSM pages (stable-node dups, filled one
 * after the other up to max_page_sharing mappings each), so it counts ⌈c / m⌉ shared and
 * c − ⌈c / m⌉ sharing. Image pages have `guests` copies each, the zero page
 * `guests × pages / 8` copies (use_zero_pages is 0 by default); unique pages never merge.
 */
export function expectScale(guests: number, pages: number, maxPageSharing = 256): ScaleExpectation {
  let shared = 0;
  let sharing = 0;
  const add = (contents: number, copies: number) => {
    if (copies < 2) return;
    const ksmPages = Math.ceil(copies / maxPageSharing);
    shared += contents * ksmPages;
    sharing += contents * (copies - ksmPages);
  };
  add(pages / 2, guests);
  add(1, (guests * pages) / 8);
  return { pages_shared: shared, pages_sharing: sharing };
}
