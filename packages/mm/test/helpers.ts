import { type KsmHooks, Machine, type Mm, PTE_PRESENT, PTE_WRITE, VM_MERGEABLE } from "@ksm/mm";

/** KSM hooks that only flip VM_MERGEABLE on madvise, and do nothing else. */
export function fakeHooks(): KsmHooks {
  return {
    madvise: (_mm, vma, _s, _e, advice) =>
      advice === "mergeable" ? vma.flags | VM_MERGEABLE : vma.flags & ~VM_MERGEABLE,
    setMergeAny: () => 0,
    vmaFlags: (_mm, flags) => flags,
    fork: () => {},
    exit: () => {},
    zeroPageUnmapped: () => {},
    ksmFolioReusable: () => false,
    migrateKsm: () => {},
  };
}

export function setup(pages = 4, opts: { zeroPageOnRead?: boolean } = {}) {
  const m = new Machine(opts);
  const mm = m.createMm();
  const vma = m.mmap(mm, pages);
  return { m, mm, vma };
}

export const present = (mm: Mm, vpn: number) => (mm.pt.bits(vpn) & PTE_PRESENT) !== 0;
export const writable = (mm: Mm, vpn: number) => (mm.pt.bits(vpn) & PTE_WRITE) !== 0;
