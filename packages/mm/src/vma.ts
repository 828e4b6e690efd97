import type { Mm } from "./mm.js";

/** VMA flags (the kernel's VM_* names; bit values are the model's own). */
export const VM_READ = 1 << 0;
export const VM_WRITE = 1 << 1;
export const VM_SHARED = 1 << 2;
export const VM_MAYSHARE = 1 << 3;
export const VM_PFNMAP = 1 << 4;
export const VM_IO = 1 << 5;
export const VM_DONTEXPAND = 1 << 6;
export const VM_HUGETLB = 1 << 7;
export const VM_MIXEDMAP = 1 << 8;
export const VM_DROPPABLE = 1 << 9;
export const VM_NOHUGEPAGE = 1 << 10;
/** MADV_HUGEPAGE: faults in the VMA may allocate transparent huge pages. */
export const VM_HUGEPAGE = 1 << 12;
/** Marked for KSM by MADV_MERGEABLE or PR_SET_MEMORY_MERGE. */
export const VM_MERGEABLE = 1 << 11;

/** Flags that make a VMA unfit for KSM (`vma_ksm_compatible`). */
export const VM_KSM_INCOMPATIBLE =
  VM_SHARED | VM_MAYSHARE | VM_PFNMAP | VM_IO | VM_DONTEXPAND | VM_HUGETLB | VM_MIXEDMAP | VM_DROPPABLE;

/** An anon_vma: the reverse-map anchor of anonymous pages faulted in a VMA family. */
export interface AnonVma {
  readonly id: number;
  /** The anon_vma of the oldest ancestor (fork shares it). */
  root: AnonVma;
  /** Every VMA linked to this anon_vma through an anon_vma_chain. */
  readonly vmas: Set<Vma>;
}

/** A virtual memory area: [start, end) in virtual page numbers. */
export interface Vma {
  readonly mmId: number;
  start: number;
  end: number;
  flags: number;
  /**
   * `vm_pgoff` of anonymous memory: the linear page index of `start`. It is the address at
   * mmap time and stays when mremap moves the VMA, so a page's index finds it in every VMA
   * that maps it ({@link vmaAddress}).
   */
  pgoff: number;
  /** The VMA's own anon_vma (created at the first anonymous fault); null before. */
  anonVma: AnonVma | null;
  /** Every anon_vma this VMA is chained to (its own and its ancestors'). */
  readonly chain: AnonVma[];
  /** The NUMA node new pages of this VMA are allocated on (its memory policy; see `Machine.nodeFor`). */
  readonly node: number;
}

/** `linear_page_index`: the index an anonymous page faulted at `vpn` of `vma` gets. */
export function linearPageIndex(vma: Vma, vpn: number): number {
  return vpn - vma.start + vma.pgoff;
}

/** `vma_address`: where `vma` maps the page of linear index `index` (maybe outside it). */
export function vmaAddress(vma: Vma, index: number): number {
  return vma.start + index - vma.pgoff;
}

/** `vma_ksm_compatible`: whether KSM may ever merge pages of this VMA. */
export function vmaKsmCompatible(vma: Vma): boolean {
  return (vma.flags & VM_KSM_INCOMPATIBLE) === 0;
}

/**
 * `vma_modify_flags` over [start, end) of `mm`: each VMA there whose flags `change` alters is
 * split at the ends of the range and gets the new flags; one it leaves as they are is not
 * split (mprotect and madvise return early for it).
 */
export function updateVmas(
  m: { splitAt(mm: Mm, vpn: number): void },
  mm: Mm,
  start: number,
  end: number,
  change: (flags: number) => number,
): void {
  for (let i = mm.firstVmaAfter(start); i < mm.vmas.length && mm.vmas[i]!.start < end; i++) {
    const vma = mm.vmas[i]!;
    const flags = change(vma.flags);
    if (flags === vma.flags) continue;
    const s = Math.max(start, vma.start);
    const e = Math.min(end, vma.end);
    m.splitAt(mm, s);
    m.splitAt(mm, e);
    i = mm.firstVmaAfter(s);
    mm.vmas[i]!.flags = flags;
  }
}
