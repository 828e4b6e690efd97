import { NIL } from "@ksm/contracts";
import { describe, expect, it } from "vitest";
import { LINK_WORDS, MAX_TAG, TAG_SHIFT, TREE_SEEN, UNSTABLE_FLAG } from "../src/rmap-item.js";
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

  it("keeps an item's seqnr and tag in one word; past the last tag, items go in with none and are still found", () => {
    const { machine, ksm, items, pfns } = scanned([3, 8, 3, 8]);
    const other = machine.createMm();
    const scratch = machine.mmap(other, 1);
    const touch = (seed: bigint) => machine.write(other, scratch.start, machine.contents.pattern(seed));
    const tree = ksm.unstable as unknown as { tag: number };
    const seen = (item: number) => ksm.items.linkU[item * LINK_WORDS + TREE_SEEN]! >>> TAG_SHIFT;
    touch(1n);
    ksm.unstable.searchInsert(items[0]!, pfns[0]!);
    expect(seen(items[0]!)).toBe(1);
    expect(ksm.items.treeSeqnr(items[0]!)).toBe(ksm.counters().full_scans & 0xff);
    tree.tag = MAX_TAG;
    touch(2n); // memory moved: the next item would need a new tag, and there is none
    ksm.unstable.searchInsert(items[1]!, pfns[1]!);
    expect(seen(items[1]!)).toBe(0);
    expect(tree.tag).toBe(MAX_TAG);
    expect(ksm.items.treeSeqnr(items[1]!)).toBe(ksm.items.treeSeqnr(items[0]!));
    // both are looked at afresh, and match their equals
    expect(ksm.unstable.searchInsert(items[2]!, pfns[2]!).item).toBe(items[0]);
    expect(ksm.unstable.searchInsert(items[3]!, pfns[3]!).item).toBe(items[1]);
  });
});
