import type { Machine } from "./machine.js";
import type { Mm } from "./mm.js";
import { VM_HUGEPAGE, VM_NOHUGEPAGE } from "./vma.js";

/**
 * madvise(MADV_DONTNEED) of [start, end): every page mapped there is unmapped (a KSM-placed
 * zero page at once leaves `ksm_zero_pages`); the VMAs stay, so the range reads as zeros and
 * a later write faults in a new page. KSM is not told: its rmap_items for those addresses go
 * stale until ksmd's cursor passes them.
 */
export function dontneed(m: Machine, mm: Mm, start: number, end: number): void {
  for (let i = mm.firstVmaAfter(start); i < mm.vmas.length && mm.vmas[i]!.start < end; i++) {
    const vma = mm.vmas[i]!;
    m.zapRange(mm, Math.max(start, vma.start), Math.min(end, vma.end));
  }
}

/**
 * madvise(MADV_HUGEPAGE) (`on`) or MADV_NOHUGEPAGE of [start, end): whether later faults
 * there may allocate transparent huge pages. The VMAs are split at the ends of the range.
 */
export function hugepageMadvise(m: Machine, mm: Mm, start: number, end: number, on: boolean): void {
  m.epoch++;
  m.splitAt(mm, start);
  m.splitAt(mm, end);
  for (let i = mm.firstVmaAfter(start); i < mm.vmas.length && mm.vmas[i]!.start < end; i++) {
    const vma = mm.vmas[i]!;
    vma.flags = on ? (vma.flags | VM_HUGEPAGE) & ~VM_NOHUGEPAGE : (vma.flags | VM_NOHUGEPAGE) & ~VM_HUGEPAGE;
  }
}
