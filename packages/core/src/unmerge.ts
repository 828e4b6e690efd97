import { NIL } from "@ksm/contracts";
import {
  EBUSY,
  type Errno,
  type Machine,
  MMF_VM_MERGE_ANY,
  MMF_VM_MERGEABLE,
  type Mm,
  NO_PFN,
  VM_MERGEABLE,
  type Vma,
} from "@ksm/mm";
import { findMergeableVma, type MmSlots } from "./mm-slot.js";
import type { KsmScan } from "./scan-cursor.js";
import type { StableNodes } from "./stable-node.js";
import type { StableTree } from "./stable-tree.js";
import type { KsmSysfs } from "./sysfs.js";

/** `break_cow`: the page at `addr` gets a private copy again (a write fault's unshare), if its VMA is still mergeable. */
export function breakCow(machine: Machine, mm: Mm, addr: number): void {
  const vma = findMergeableVma(mm, addr);
  if (vma) machine.unshare(mm, vma, addr);
}

/**
 * Taking merging back: `unmerge_ksm_pages` (MADV_UNMERGEABLE, PR_SET_MEMORY_MERGE off),
 * `unmerge_and_remove_all_rmap_items` (`run` = 2) and `remove_all_stable_nodes` (what a
 * `max_page_sharing` or `merge_across_nodes` write needs first).
 */
export class Unmerge {
  constructor(
    private readonly machine: Machine,
    private readonly nodes: StableNodes,
    private readonly slots: MmSlots,
    private readonly scan: KsmScan,
    private readonly stable: StableTree,
    private readonly sysfs: KsmSysfs,
    private readonly nrNodes: number,
  ) {}

  /** `unmerge_ksm_pages`: every KSM page mapped in [start, end) of `vma` gets a private copy. */
  unmergeKsmPages(mm: Mm, vma: Vma, start: number, end: number): void {
    for (let addr = start; addr < end; addr++) {
      if (mm.exiting) break;
      if (mm.pt.bits(addr)) this.machine.unshare(mm, vma, addr);
    }
  }

  /** `run` = 2: unmerge every page, free every rmap_item and stable node, full_scans = 0. */
  unmergeAndRemoveAllRmapItems(): void {
    const head = this.slots.head;
    for (let slot = head.next; slot !== head; ) {
      this.scan.cursor = slot;
      const mm = slot.mm;
      if (!mm.exiting)
        for (const vma of [...mm.vmas])
          if (vma.flags & VM_MERGEABLE && vma.anonVma) this.unmergeKsmPages(mm, vma, vma.start, vma.end);
      this.scan.removeTrailingRmapItems(slot, null);
      const next = slot.next;
      if (mm.exiting) {
        this.slots.unlink(slot);
        mm.flags &= ~(MMF_VM_MERGEABLE | MMF_VM_MERGE_ANY);
      }
      slot = next;
    }
    this.scan.cursor = head;
    this.removeAllStableNodes();
    this.sysfs.seqnr = 0;
  }

  /** `remove_all_stable_nodes`: frees every stable node whose page is no longer mapped; EBUSY if some still are. */
  removeAllStableNodes(): Errno {
    const index = this.stable.index;
    let err: Errno = 0;
    for (let nid = 0; nid < this.nrNodes; nid++) {
      for (let node = index.any(nid); node !== NIL; node = index.any(nid)) {
        if (this.removeStableNodeChain(node)) {
          err = EBUSY;
          break;
        }
      }
    }
    for (const node of [...this.stable.migrateNodes]) if (this.removeStableNode(node)) err = EBUSY;
    return err;
  }

  /** `remove_stable_node_chain`: a regular node, or a chain with all its dups; EBUSY at the first still mapped. */
  private removeStableNodeChain(node: number): Errno {
    const sn = this.nodes;
    if (!sn.isChain(node)) return this.removeStableNode(node);
    for (let dup = sn.hlist[node]!; dup !== NIL; ) {
      const next = sn.dupNext[dup]!;
      const err = this.removeStableNode(dup);
      if (err) return err;
      dup = next;
    }
    this.stable.chains.free(node);
    return 0;
  }

  /** `remove_stable_node`: frees a node whose KSM page is unmapped (a stale one goes anyway); EBUSY if mapped. */
  private removeStableNode(node: number): Errno {
    const kpfn = this.stable.ksmGetFolio(node);
    if (kpfn === NO_PFN) return 0;
    const f = this.machine.frames;
    if (f.mapcount[kpfn]! > 0) return EBUSY;
    f.ksmNode[kpfn] = NIL;
    this.machine.epoch++;
    this.stable.removeNode(node);
    return 0;
  }
}
