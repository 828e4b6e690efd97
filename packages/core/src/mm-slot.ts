import { NIL } from "@ksm/contracts";
import { MMF_VM_MERGE_ANY, MMF_VM_MERGEABLE, type Mm, PAGE_SIZE, VM_MERGEABLE, type Vma } from "@ksm/mm";
import { RMAP_ITEM_SIZE } from "./sysfs.js";

/** KSM's per-mm state (`ksm_mm_slot` plus the mm_struct counters KSM owns). */
export interface MmSlot {
  readonly mm: Mm;
  /** First leaf of the address-sorted list of rmap_items (see RmapItems), NIL when it has none. */
  rmapList: number;
  /** `mm->ksm_merging_pages`. */
  merging: number;
  /** `mm->ksm_rmap_items`. */
  rmapItems: number;
  prev: MmSlot;
  next: MmSlot;
}

/** `/proc/<pid>/ksm_stat`. */
export interface KsmStat {
  ksm_rmap_items: number;
  ksm_zero_pages: number;
  ksm_merging_pages: number;
  ksm_process_profit: number;
  ksm_merge_any: "yes" | "no";
  ksm_mergeable: "yes" | "no";
}

/**
 * The mm_slot list (`ksm_mm_head`): every mm registered with KSM, in scan order, in a
 * circular doubly linked list through a head slot; the scan cursor walks it. Slots are
 * also found by mm id (`mm_slots_hash`), for the hot paths through an array.
 */
export class MmSlots {
  /** The list head (`ksm_mm_head`): no mm of its own. */
  readonly head: MmSlot;
  private readonly byMm = new Map<number, MmSlot>();
  private byId: (MmSlot | undefined)[] = [];

  constructor() {
    const head = { rmapList: NIL, merging: 0, rmapItems: 0 } as MmSlot;
    head.prev = head;
    head.next = head;
    this.head = head;
  }

  /** Whether any mm is registered. */
  get any(): boolean {
    return this.head.next !== this.head;
  }

  /** The slot of an mm, if registered. */
  get(mm: Mm): MmSlot | undefined {
    return this.byMm.get(mm.id);
  }

  /** The slot of a registered mm by id (the hot path: an rmap_item's owner). */
  byMmId(id: number): MmSlot {
    return this.byId[id]!;
  }

  /** Every registered slot, in registration order (not scan order). */
  values(): IterableIterator<MmSlot> {
    return this.byMm.values();
  }

  /** `__ksm_enter`: registers `mm` in a new slot linked just before `at`, and marks it MMF_VM_MERGEABLE. */
  enter(mm: Mm, at: MmSlot): void {
    const slot: MmSlot = { mm, rmapList: NIL, merging: 0, rmapItems: 0, prev: at.prev, next: at };
    at.prev.next = slot;
    at.prev = slot;
    this.byMm.set(mm.id, slot);
    this.byId[mm.id] = slot;
    mm.flags |= MMF_VM_MERGEABLE;
  }

  /** Unlinks a slot and forgets it (the mm's flags are the caller's). */
  unlink(slot: MmSlot): void {
    slot.prev.next = slot.next;
    slot.next.prev = slot.prev;
    this.forget(slot);
  }

  /**
   * `__ksm_exit`: a slot without rmap_items goes at once; one with rmap_items moves just
   * after the cursor, for ksmd to free them when it gets there. The cursor's own slot
   * stays where it is.
   */
  exit(mm: Mm, cursor: MmSlot): void {
    const slot = this.byMm.get(mm.id);
    if (!slot || slot === cursor) return;
    slot.prev.next = slot.next;
    slot.next.prev = slot.prev;
    if (slot.rmapList === NIL) {
      this.forget(slot);
      mm.flags &= ~(MMF_VM_MERGEABLE | MMF_VM_MERGE_ANY);
      return;
    }
    slot.prev = cursor;
    slot.next = cursor.next;
    cursor.next.prev = slot;
    cursor.next = slot;
  }

  /** Relinks the slots in the order of `ids` (mm ids of every registered slot). */
  reorder(ids: readonly number[]): void {
    let prev = this.head;
    for (const id of ids) {
      const s = this.byId[id]!;
      prev.next = s;
      s.prev = prev;
      prev = s;
    }
    prev.next = this.head;
    this.head.prev = prev;
  }

  /** `/proc/<pid>/ksm_stat` of an address space. */
  stat(mm: Mm): KsmStat {
    const slot = this.byMm.get(mm.id);
    const merging = slot?.merging ?? 0;
    const rmapItems = slot?.rmapItems ?? 0;
    return {
      ksm_rmap_items: rmapItems,
      ksm_zero_pages: mm.ksmZeroPages,
      ksm_merging_pages: merging,
      ksm_process_profit: (merging + mm.ksmZeroPages) * PAGE_SIZE - rmapItems * RMAP_ITEM_SIZE,
      ksm_merge_any: mm.flags & MMF_VM_MERGE_ANY ? "yes" : "no",
      ksm_mergeable: mm.vmas.some((v) => v.flags & VM_MERGEABLE) ? "yes" : "no",
    };
  }

  private forget(slot: MmSlot): void {
    this.byMm.delete(slot.mm.id);
    this.byId[slot.mm.id] = undefined;
  }
}

/** `find_mergeable_vma`: the VM_MERGEABLE VMA with an anon_vma at `addr`, unless the mm is exiting. */
export function findMergeableVma(mm: Mm, addr: number): Vma | undefined {
  if (mm.exiting) return undefined;
  const vma = mm.findVma(addr);
  return vma && vma.flags & VM_MERGEABLE && vma.anonVma ? vma : undefined;
}
