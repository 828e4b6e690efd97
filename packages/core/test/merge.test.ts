import { NIL } from "@ksm/contracts";
import { ZERO_PFN } from "@ksm/mm";
import { describe, expect, it } from "vitest";
import { merged, region, setup } from "./helpers.js";

describe("Merge (cmp_and_merge_page)", () => {
  it("only records the checksum at a page's first visit, puts it in the unstable tree at the second", () => {
    const { machine, ksm } = setup();
    const mm = machine.createMm();
    region(machine, mm, [3]);
    const hit = ksm.scan.next();
    expect(hit.item).not.toBe(NIL);
    ksm.merge.cmpAndMergePage(hit.pfn, hit.item);
    expect(ksm.counters()).toMatchObject({ pages_unshared: 0, pages_volatile: 1 });
    ksm.merge.cmpAndMergePage(hit.pfn, hit.item);
    expect(ksm.counters()).toMatchObject({ pages_unshared: 1, pages_volatile: 0 });
  });

  it("merges a page with the equal unstable page into a new KSM page both map", () => {
    const { machine, ksm } = setup();
    const mm = machine.createMm();
    const vma = region(machine, mm, [3, 3]);
    ksm.fullScans(1); // checksums recorded
    const a = ksm.scan.next();
    const [itemA, pfnA] = [a.item, a.pfn];
    ksm.merge.cmpAndMergePage(pfnA, itemA);
    const b = ksm.scan.next();
    const [itemB, pfnB] = [b.item, b.pfn];
    expect(itemB).not.toBe(itemA);
    ksm.merge.cmpAndMergePage(pfnB, itemB);
    // the page scanned second becomes the KSM page, and the tree's page maps it
    expect(machine.frames.isKsm(pfnB)).toBe(true);
    expect(mm.pt.pfn(vma.start)).toBe(pfnB);
    expect(machine.frames.isKsm(pfnA)).toBe(false);
    expect(ksm.counters()).toMatchObject({ pages_shared: 1, pages_sharing: 1, pages_unshared: 0 });
    expect(ksm.stat(mm).ksm_merging_pages).toBe(2);
  });

  it("maps a zero-filled page to the zero page when use_zero_pages is on", () => {
    const { machine, ksm } = setup({ use_zero_pages: 1 });
    const mm = machine.createMm();
    const vma = machine.mmap(mm, 1);
    machine.write(mm, vma.start, 0);
    machine.madvise(mm, vma.start, vma.end, "mergeable");
    ksm.fullScans(1);
    const hit = ksm.scan.next();
    ksm.merge.cmpAndMergePage(hit.pfn, hit.item);
    expect(mm.pt.pfn(vma.start)).toBe(ZERO_PFN);
    expect(ksm.counters()).toMatchObject({ ksm_zero_pages: 1, pages_shared: 0, pages_unshared: 0 });
  });

  it("leaves a KSM page it already accounted for as it is", () => {
    const { ksm } = merged([6, 6]);
    const before = { ...ksm.counters(), ...ksm.cost() };
    const hit = ksm.scan.next();
    ksm.merge.cmpAndMergePage(hit.pfn, hit.item);
    expect({ ...ksm.counters(), ...ksm.cost() }).toEqual(before);
  });

  it("removes an item from whichever tree holds it", () => {
    const { ksm, mm } = merged([6, 6, 8]);
    expect(ksm.counters()).toMatchObject({ pages_shared: 1, pages_sharing: 1, pages_unshared: 1 });
    const items = ksm.rmapItems(mm);
    ksm.merge.removeRmapItemFromTree(items[2]!);
    ksm.merge.removeRmapItemFromTree(items[0]!);
    expect(ksm.counters()).toMatchObject({ pages_shared: 1, pages_sharing: 0, pages_unshared: 0 });
  });
});
