import { PageTable } from "./page-table.js";
import type { Vma } from "./vma.js";

/** mm flag: the mm is registered with KSM (has an mm_slot). */
export const MMF_VM_MERGEABLE = 1;
/** mm flag: PR_SET_MEMORY_MERGE, every compatible VMA is mergeable. */
export const MMF_VM_MERGE_ANY = 2;

/** An address space (the kernel's mm_struct): VMAs sorted by address and a page table. */
export class Mm {
  /** VMAs sorted by start, non-overlapping. */
  readonly vmas: Vma[] = [];
  readonly pt: PageTable;
  /** MMF_* bits. */
  flags = 0;
  /** mm_users: 0 once the owner exited (`ksm_test_exit`). */
  users = 1;
  /** KSM-placed zero pages mapped here (`mm->ksm_zero_pages`). */
  ksmZeroPages = 0;
  /**
   * THPs this address space maps with a PMD: leaf key (vpn >>> THP_ORDER) → the folio's
   * block (head pfn >>> THP_ORDER). `AnonHugePages` counts them.
   */
  readonly pmdMapped = new Map<number, number>();
  /** Next mmap goes just below this virtual page number (top-down layout). */
  mmapTop: number;

  constructor(
    readonly id: number,
    mmapTop: number,
  ) {
    this.mmapTop = mmapTop;
    this.pt = new PageTable(mmapTop);
  }

  /** Whether the owner has exited (`ksm_test_exit`). */
  get exiting(): boolean {
    return this.users === 0;
  }

  /** The VMA containing `vpn`, or undefined. */
  findVma(vpn: number): Vma | undefined {
    let lo = 0;
    let hi = this.vmas.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = this.vmas[mid]!;
      if (vpn < v.start) hi = mid - 1;
      else if (vpn >= v.end) lo = mid + 1;
      else return v;
    }
    return undefined;
  }

  /** Index of the first VMA ending after `vpn`. */
  firstVmaAfter(vpn: number): number {
    let lo = 0;
    let hi = this.vmas.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.vmas[mid]!.end <= vpn) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
