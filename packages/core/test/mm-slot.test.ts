import { NIL } from "@ksm/contracts";
import { Machine, MMF_VM_MERGE_ANY, MMF_VM_MERGEABLE, type Mm, VM_MERGEABLE } from "@ksm/mm";
import { describe, expect, it } from "vitest";
import { findMergeableVma, type MmSlot, MmSlots } from "../src/mm-slot.js";

function order(slots: MmSlots): number[] {
  const ids: number[] = [];
  for (let s = slots.head.next; s !== slots.head; s = s.next) ids.push(s.mm.id);
  return ids;
}

describe("MmSlots", () => {
  it("enters an mm just before the slot given (the cursor) and marks it mergeable", () => {
    const machine = new Machine();
    const slots = new MmSlots();
    const [a, b, c] = [machine.createMm(), machine.createMm(), machine.createMm()];
    slots.enter(a, slots.head);
    slots.enter(b, slots.head);
    expect(order(slots)).toEqual([a.id, b.id]);
    slots.enter(c, slots.get(b)!);
    expect(order(slots)).toEqual([a.id, c.id, b.id]);
    expect(c.flags & MMF_VM_MERGEABLE).toBeTruthy();
    expect(slots.byMmId(c.id)).toBe(slots.get(c));
    expect(slots.any).toBe(true);
  });

  it("drops an exiting mm without rmap_items at once, and moves one with items just after the cursor", () => {
    const machine = new Machine();
    const slots = new MmSlots();
    const mms: Mm[] = [0, 1, 2].map(() => machine.createMm());
    for (const mm of mms) slots.enter(mm, slots.head);
    const [a, b, c] = mms as [Mm, Mm, Mm];
    a.flags |= MMF_VM_MERGE_ANY;
    slots.exit(a, slots.head);
    expect(order(slots)).toEqual([b.id, c.id]);
    expect(slots.get(a)).toBeUndefined();
    expect(a.flags & (MMF_VM_MERGEABLE | MMF_VM_MERGE_ANY)).toBe(0);
    (slots.get(c) as MmSlot).rmapList = 0; // it has rmap_items (a leaf of them)
    const cursor = slots.get(b)!;
    slots.exit(c, cursor);
    expect(order(slots)).toEqual([b.id, c.id]);
    slots.reorder([c.id, b.id]);
    slots.exit(c, cursor);
    expect(order(slots)).toEqual([b.id, c.id]);
    slots.exit(b, cursor); // the cursor's own slot stays
    expect(order(slots)).toEqual([b.id, c.id]);
  });

  it("reports ksm_stat from the slot's counters", () => {
    const machine = new Machine();
    const slots = new MmSlots();
    const mm = machine.createMm();
    expect(slots.stat(mm)).toMatchObject({ ksm_rmap_items: 0, ksm_merging_pages: 0, ksm_mergeable: "no" });
    slots.enter(mm, slots.head);
    Object.assign(slots.get(mm)!, { merging: 3, rmapItems: 5 });
    const stat = slots.stat(mm);
    expect(stat.ksm_merging_pages).toBe(3);
    expect(stat.ksm_process_profit).toBe(3 * 4096 - 5 * 64);
    expect(slots.get(mm)!.rmapList).toBe(NIL);
  });

  it("finds a mergeable VMA only once it is VM_MERGEABLE with an anon_vma, and never in an exiting mm", () => {
    const machine = new Machine();
    const mm = machine.createMm();
    const vma = machine.mmap(mm, 4);
    vma.flags |= VM_MERGEABLE; // no KSM on this machine to say so through madvise
    expect(vma.anonVma).toBeFalsy(); // nothing written yet
    expect(findMergeableVma(mm, vma.start)).toBeUndefined();
    machine.write(mm, vma.start, machine.contents.pattern(1n));
    expect(findMergeableVma(mm, vma.start + 1)).toBe(vma);
    expect(findMergeableVma(mm, vma.end)).toBeUndefined();
    mm.users = 0; // exiting
    expect(findMergeableVma(mm, vma.start)).toBeUndefined();
  });
});
