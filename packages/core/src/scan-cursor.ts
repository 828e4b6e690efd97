import { NIL, type ScanPolicy } from "@ksm/contracts";
import { type Machine, MMF_VM_MERGEABLE, NO_PFN, type Pfn, THP_PAGES, VM_MERGEABLE } from "@ksm/mm";
import type { MmSlot, MmSlots } from "./mm-slot.js";
import type { RmapCursor, RmapItems } from "./rmap-item.js";
import type { SmartScan } from "./smart-scan.js";
import type { KsmSysfs } from "./sysfs.js";

/**
 * What {@link KsmScan.next} hands ksmd. One object per cursor, reused by every call (the
 * scan allocates nothing per page): read it before the next call.
 */
export interface ScanHit {
  /** The rmap_item of the page to look at; NIL at the end of a full scan. */
  item: number;
  /** Its page. */
  pfn: Pfn;
}

/** What the cursor does not own but must have done at a full scan's edges (wired by the `Ksm` facade). */
export interface FullScanHooks {
  /** A full scan starts: the unstable tree is emptied, migrated stable nodes checked, the advisor's clock read. */
  startFullScan(): void;
  /** A full scan ended (before `seqnr` counts it). */
  endFullScan(): void;
  /** `remove_rmap_item_from_tree`, before an rmap_item the cursor passed is freed. */
  removeRmapItemFromTree(item: number): void;
}

/**
 * `ksm_scan`, the scan cursor: the mm_slot, the address and the rmap_item link where ksmd
 * stands, and `scan_get_next_rmap_item`, which walks the mergeable VMAs of each mm in turn,
 * keeping each mm's rmap_items sorted by address: `get_next_rmap_item` finds or makes the
 * item for a page and frees the stale ones below it; those above an mm's last mergeable
 * page go when the cursor leaves the mm, and an mm with none left is dropped.
 */
export class KsmScan {
  /** `ksm_scan.mm_slot`: the slot being scanned; the list head between full scans. */
  cursor: MmSlot;
  /** `ksm_scan.address`: the next virtual page to look at. */
  private address = 0;
  /** `ksm_scan.rmap_list`: where the cursor stands in the slot's list of items. */
  private readonly at: RmapCursor = { address: 0, prev: NIL };
  private readonly hit: ScanHit = { item: NIL, pfn: NO_PFN };
  /** `remove_rmap_item_from_tree`, for each item freed. */
  private readonly leaveTree = (item: number): void => this.hooks.removeRmapItemFromTree(item);

  constructor(
    private readonly machine: Machine,
    private readonly items: RmapItems,
    private readonly slots: MmSlots,
    private readonly sysfs: KsmSysfs,
    private readonly smartScan: SmartScan,
    private readonly policy: ScanPolicy | undefined,
    private readonly hooks: FullScanHooks,
  ) {
    this.cursor = slots.head;
  }

  /** Whether the next page asked for starts a full scan (the cursor is at the list head, and some mm is registered). */
  get atFullScanStart(): boolean {
    const head = this.slots.head;
    return this.cursor === head && head.next !== head;
  }

  /**
   * `scan_get_next_rmap_item`: the next page to look at, or (`item` NIL) the end of a full
   * scan. Returns the reused {@link ScanHit}.
   */
  next(): ScanHit {
    const hit = this.hit;
    hit.item = NIL;
    const head = this.slots.head;
    if (head.next === head) return hit;
    let slot = this.cursor;
    if (slot === head) {
      this.hooks.startFullScan();
      if (this.policy?.startFullScan) this.reorderSlots(this.policy);
      slot = head.next;
      this.cursor = slot;
      if (slot === head) return hit;
      this.address = 0;
      this.restart();
    }
    const m = this.machine;
    for (;;) {
      const mm = slot.mm;
      if (!mm.exiting) {
        for (let i = mm.firstVmaAfter(this.address); i < mm.vmas.length; i++) {
          const vma = mm.vmas[i]!;
          if (!(vma.flags & VM_MERGEABLE)) continue;
          if (this.address < vma.start) this.address = vma.start;
          if (!vma.anonVma) this.address = vma.end;
          else if (this.address === vma.start && this.policy?.skipVma?.(mm.id, vma.start, this.sysfs.seqnr)) {
            this.passOver(slot, vma.end);
            this.address = vma.end;
          }
          while (this.address < vma.end) {
            const addr = this.address;
            if (!mm.pt.leaf(addr, false)) {
              // a hole in the page table (one PTE table maps THP_PAGES pages): skip to the
              // next leaf (the 6.18 range walk)
              this.address = Math.min(vma.end, (Math.floor(addr / THP_PAGES) + 1) * THP_PAGES);
              continue;
            }
            const pfn = m.followAnonPage(mm, addr);
            if (pfn !== NO_PFN) {
              const item = this.getNextRmapItem(slot, addr);
              this.address = addr + 1;
              if (this.smartScan.shouldSkip(pfn, item)) continue;
              hit.item = item;
              hit.pfn = pfn;
              return hit;
            }
            this.address = addr + 1;
          }
        }
      } else {
        this.address = 0;
        this.restart();
      }
      // nuke the rmap_items above the last mergeable page
      this.removeTrailingRmapItems(slot, this.at);
      const next = slot.next;
      this.cursor = next;
      if (this.address === 0) {
        // dropped: MMF_VM_MERGE_ANY stays (ksm_stat keeps saying so), and the next VMA the
        // process maps registers it again (ksm_vma_flags)
        this.slots.unlink(slot);
        mm.flags &= ~MMF_VM_MERGEABLE;
      }
      if (next === head) break;
      slot = next;
      this.address = 0;
      this.restart();
    }
    this.hooks.endFullScan();
    this.sysfs.seqnr++;
    return hit;
  }

  /** Frees the slot's rmap_items from `at` on (null: all of them), each leaving its tree first. */
  removeTrailingRmapItems(slot: MmSlot, at: RmapCursor | null): void {
    slot.rmapItems -= this.items.advance(slot, at ?? { address: 0, prev: NIL }, Infinity, this.leaveTree);
  }

  /** The cursor at the head of a slot's list. */
  private restart(): void {
    this.at.address = 0;
    this.at.prev = NIL;
  }

  /** `get_next_rmap_item`: the item for `addr`, freeing every stale item below it. */
  private getNextRmapItem(slot: MmSlot, addr: number): number {
    const it = this.items;
    slot.rmapItems -= it.advance(slot, this.at, addr, this.leaveTree);
    const count = it.count;
    const item = it.itemAt(slot, this.at, slot.mm.id, addr);
    slot.rmapItems += it.count - count;
    return item;
  }

  /**
   * Leaves the items of a VMA the scan policy passes over as they are: the cursor moves
   * past them, so `get_next_rmap_item` does not take them for stale.
   */
  private passOver(slot: MmSlot, end: number): void {
    this.items.advance(slot, this.at, end, null);
  }

  /** A scan policy's `startFullScan` reorders the mm_slot list for the full scan starting. */
  private reorderSlots(policy: ScanPolicy): void {
    const ids: number[] = [];
    for (let s = this.slots.head.next; s !== this.slots.head; s = s.next) ids.push(s.mm.id);
    policy.startFullScan!(this.sysfs.seqnr, ids);
    this.slots.reorder(ids);
  }
}
