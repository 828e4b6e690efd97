import { THP_PAGES } from "./frames.js";
import { type Advice, EINVAL, type Errno } from "./hooks.js";
import type { Machine } from "./machine.js";
import type { Mm } from "./mm.js";
import { splitVma, zapRange } from "./mmap.js";
import { updateVmas, VM_HUGEPAGE, VM_NOHUGEPAGE } from "./vma.js";

/**
 * madvise(2) MADV_MERGEABLE / MADV_UNMERGEABLE of [start, end): KSM decides each VMA's new
 * flags (`ksm_madvise`, which may also unmerge its pages); a VMA whose flags change is split
 * at the ends of the range. Returns the first negative errno KSM gives, and EINVAL without
 * KSM (a kernel built without CONFIG_KSM).
 */
export function madviseMergeable(m: Machine, mm: Mm, start: number, end: number, advice: Advice): Errno {
  m.epoch++;
  const hooks = m.hooks;
  if (!hooks) return EINVAL;
  if (end <= start) return 0;
  for (let i = mm.firstVmaAfter(start); i < mm.vmas.length && mm.vmas[i]!.start < end; i++) {
    const vma = mm.vmas[i]!;
    const s = Math.max(start, vma.start);
    const e = Math.min(end, vma.end);
    const flags = hooks.madvise(mm, vma, s, e, advice);
    if (flags < 0) return flags;
    if (flags === vma.flags) continue;
    splitVma(m, mm, s);
    splitVma(m, mm, e);
    const j = mm.firstVmaAfter(s);
    mm.vmas[j]!.flags = flags;
    i = j;
  }
  return 0;
}

/**
 * madvise(MADV_DONTNEED) of [start, end): every page mapped there is unmapped (a KSM-placed
 * zero page at once leaves `ksm_zero_pages`; a THP inside the range goes whole, one the range
 * cuts has its PMD split); the VMAs stay, so the range reads as zeros and a later write
 * faults in a new page. KSM is not told: its rmap_items for those addresses go
 * stale until ksmd's cursor passes them.
 */
export function dontneed(m: Machine, mm: Mm, start: number, end: number): void {
  for (let i = mm.firstVmaAfter(start); i < mm.vmas.length && mm.vmas[i]!.start < end; i++) {
    const vma = mm.vmas[i]!;
    const s = Math.max(start, vma.start);
    const e = Math.min(end, vma.end);
    zapRange(m, mm, s, e);
    // PT_RECLAIM: a PTE page this zap covered whole and left empty is freed (pmd_none again,
    // so a later fault there may make a THP)
    for (let base = Math.ceil(s / THP_PAGES) * THP_PAGES; base + THP_PAGES <= e; base += THP_PAGES)
      if (mm.pt.leaf(base, false)?.used === 0) mm.pt.dropLeaf(base);
  }
}

/**
 * madvise(MADV_HUGEPAGE) (`on`) or MADV_NOHUGEPAGE of [start, end): whether later faults
 * there may allocate transparent huge pages (VMAs split where their flags change).
 */
export function hugepageMadvise(m: Machine, mm: Mm, start: number, end: number, on: boolean): void {
  m.epoch++;
  updateVmas(m, mm, start, end, (flags) =>
    on ? (flags | VM_HUGEPAGE) & ~VM_NOHUGEPAGE : (flags | VM_NOHUGEPAGE) & ~VM_HUGEPAGE,
  );
}
