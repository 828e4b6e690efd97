import type { Pfn } from "./frames.js";
import type { Mm } from "./mm.js";
import type { Vma } from "./vma.js";

/** madvise advice values the model knows. */
export type Advice = "mergeable" | "unmergeable";

/** An errno as a negative number, or 0 for success. */
export type Errno = number;
export const EINVAL = -22;
export const EBUSY = -16;
export const ENOMEM = -12;

/**
 * What KSM registers with the memory model (the kernel calls these from madvise, prctl,
 * fork, exit and the zap path). Without hooks, MADV_MERGEABLE fails with EINVAL, as on a
 * kernel built without CONFIG_KSM.
 */
export interface KsmHooks {
  /** `ksm_madvise`: the VMA's new flags for [start, end), or a negative errno. */
  madvise(mm: Mm, vma: Vma, start: number, end: number, advice: Advice): number;
  /** PR_SET_MEMORY_MERGE. */
  setMergeAny(mm: Mm, on: boolean): Errno;
  /** Flags of a VMA being created in `mm` (`ksm_vma_flags`: merge-any marks it). */
  vmaFlags(mm: Mm, flags: number): number;
  /** `ksm_fork`, after the child's address space was copied. */
  fork(parent: Mm, child: Mm): void;
  /** `ksm_exit`, before the address space is torn down. */
  exit(mm: Mm): void;
  /** A KSM-placed zero page was unmapped or replaced in `mm` (`ksm_might_unmap_zero_page`). */
  zeroPageUnmapped(mm: Mm): void;
  /**
   * Swap-in of a KSM frame (`ksm_might_need_to_copy`): whether it may be mapped as it is
   * (it still has its stable node and KSM is not unmerging); otherwise it is copied.
   */
  ksmFolioReusable(pfn: Pfn): boolean;
  /** `folio_migrate_ksm`: a KSM frame moved to `newPfn`; its stable node must follow. */
  migrateKsm(oldPfn: Pfn, newPfn: Pfn): void;
}

/** /proc/vmstat events the model counts. */
export interface VmStat {
  cow_ksm: number;
  ksm_swpin_copy: number;
  pswpin: number;
  pswpout: number;
  pgmigrate_success: number;
  pgmigrate_fail: number;
  /** THP folios split into 4 KiB pages (KSM merging a subpage, reclaim, migration). */
  thp_split_page: number;
  /** PMD mappings of THPs split into PTEs. */
  thp_split_pmd: number;
}
