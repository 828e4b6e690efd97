import { EBUSY } from "@ksm/mm";
import { describe, expect, it } from "vitest";
import { merged, region, setup } from "./helpers.js";

describe("Unmerge", () => {
  it("gives each page of a range a private copy again (MADV_UNMERGEABLE)", () => {
    const { machine, ksm, mm, vma } = merged([2, 2, 2]);
    const kpfn = mm.pt.pfn(vma.start);
    ksm.unmerge.unmergeKsmPages(mm, mm.findVma(vma.start)!, vma.start + 1, vma.end);
    const pfns = [0, 1, 2].map((i) => mm.pt.pfn(vma.start + i));
    expect(pfns[0]).toBe(kpfn);
    expect(new Set(pfns).size).toBe(3);
    expect(machine.frames.isKsm(pfns[1]!)).toBe(false);
    expect(machine.read(mm, vma.start + 2)).toBe(machine.read(mm, vma.start));
  });

  it("keeps stable nodes whose page is mapped (EBUSY), and frees them once unmapped", () => {
    const { machine, ksm, mm, vma } = merged([2, 2]);
    expect(ksm.unmerge.removeAllStableNodes()).toBe(EBUSY);
    expect(ksm.nodes.count).toBe(1);
    machine.madvise(mm, vma.start, vma.end, "unmergeable");
    expect(ksm.nodes.count).toBe(1); // lazily: nothing told KSM yet
    expect(ksm.unmerge.removeAllStableNodes()).toBe(0);
    expect(ksm.nodes.count).toBe(0);
  });

  it("unmerges everything and frees every rmap_item on run = 2", () => {
    const { machine, ksm } = setup();
    const a = machine.createMm();
    const b = machine.createMm();
    region(machine, a, [2, 2]);
    region(machine, b, [2, 3]);
    ksm.fullScans(2);
    expect(ksm.counters().pages_sharing).toBe(2);
    ksm.unmerge.unmergeAndRemoveAllRmapItems();
    expect(ksm.counters()).toMatchObject({ pages_shared: 0, pages_sharing: 0, full_scans: 0 });
    expect(ksm.items.count).toBe(0);
    expect(ksm.nodes.count).toBe(0);
    expect(ksm.scan.cursor).toBe(ksm.slots.head);
  });
});
