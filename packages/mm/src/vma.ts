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
  /** The VMA's own anon_vma (created at the first anonymous fault); null before. */
  anonVma: AnonVma | null;
  /** Every anon_vma this VMA is chained to (its own and its ancestors'). */
  readonly chain: AnonVma[];
}

/** `vma_ksm_compatible`: whether KSM may ever merge pages of this VMA. */
export function vmaKsmCompatible(vma: Vma): boolean {
  return (vma.flags & VM_KSM_INCOMPATIBLE) === 0;
}
