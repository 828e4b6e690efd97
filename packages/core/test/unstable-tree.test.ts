import { NIL } from "@ksm/contracts";
import { describe, expect, it } from "vitest";
import { UNSTABLE_FLAG } from "../src/rmap-item.js";
import { region, setup } from "./helpers.js";

/** A machine whose one mm has had one full scan (rmap_items exist, none in a tree yet). */
function scanned(seeds: number[]) {
  const { machine, ksm } = setup();
  const mm = machine.createMm();
  const vma = region(machine, mm, seeds);
  ksm.fullScans(1);
  const items = ksm.rmapItems(mm);
  const pfns = seeds.map((_, i) => mm.pt.pfn(vma.start + i));
  return { machine, ksm, items, pfns };
}

describe("UnstableTree", () => {
  it("inserts a page no tree page matches, then hands that tree page to the next equal page", () => {
    const { ksm, items, pfns } = scanned([2, 2, 7]);
    expect(ksm.counters().pages_unshared).toBe(0);
    const first = ksm.unstable.searchInsert(items[0]!, pfns[0]!);
    expect(first.item).toBe(NIL);
    expect(ksm.items.flags[items[0]!]! & UNSTABLE_FLAG).toBeTruthy();
    expect(ksm.counters().pages_unshared).toBe(1);
    const other = ksm.unstable.searchInsert(items[2]!, pfns[2]!);
    expect(other.item).toBe(NIL);
    expect(ksm.counters().pages_unshared).toBe(2);
    const match = ksm.unstable.searchInsert(items[1]!, pfns[1]!);
    expect(match).toBe(first); // one result object, reused
    expect(match.item).toBe(items[0]);
    expect(match.pfn).toBe(pfns[0]);
    expect(ksm.items.flags[items[1]!]! & UNSTABLE_FLAG).toBe(0);
    expect(ksm.counters().pages_unshared).toBe(2);
  });

  it("gives up, inserting nothing, when the tree page found is the probe's own page", () => {
    const { ksm, items, pfns } = scanned([2, 2]);
    ksm.unstable.searchInsert(items[0]!, pfns[0]!);
    const again = ksm.unstable.searchInsert(items[1]!, pfns[0]!);
    expect(again.item).toBe(NIL);
    expect(ksm.items.flags[items[1]!]! & UNSTABLE_FLAG).toBe(0);
    expect(ksm.counters().pages_unshared).toBe(1);
  });

  it("forgets a removed item: the next equal page goes in instead of matching it", () => {
    const { ksm, items, pfns } = scanned([4, 4]);
    ksm.unstable.searchInsert(items[0]!, pfns[0]!);
    ksm.unstable.removeItem(items[0]!);
    expect(ksm.counters().pages_unshared).toBe(0);
    expect(ksm.items.flags[items[0]!]! & UNSTABLE_FLAG).toBe(0);
    expect(ksm.unstable.searchInsert(items[1]!, pfns[1]!).item).toBe(NIL);
    expect(ksm.counters().pages_unshared).toBe(1);
  });

  it("is emptied by a reset: a page inserted before matches nothing after", () => {
    const { ksm, items, pfns } = scanned([5, 5]);
    ksm.unstable.searchInsert(items[0]!, pfns[0]!);
    ksm.unstable.reset();
    expect(ksm.unstable.searchInsert(items[1]!, pfns[1]!).item).toBe(NIL);
  });
});
