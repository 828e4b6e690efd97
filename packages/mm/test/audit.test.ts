import { Machine, THP_ORDER, THP_PAGES } from "@ksm/mm";
import { describe, expect, it } from "vitest";
import { setup } from "./helpers.js";

describe("the machine's audit", () => {
  it("finds nothing wrong after ordinary operations", () => {
    const { m, mm, vma } = setup(4);
    for (let i = 0; i < 4; i++) m.write(mm, vma.start + i, m.contents.pattern(BigInt(i)));
    const child = m.fork(mm);
    m.write(child, vma.start, m.contents.unique());
    m.munmap(mm, vma.start + 1, vma.start + 2);
    expect(m.audit()).toEqual([]);
  });

  it("names a frame whose mapcount or refcount disagrees with the page tables", () => {
    const { m, mm, vma } = setup(1);
    m.write(mm, vma.start, m.contents.unique());
    const pfn = mm.pt.pfn(vma.start);
    m.frames.mapcount[pfn] = 2;
    m.frames.refcount[pfn] = 3;
    expect(m.audit()).toEqual([
      `pfn ${pfn}: mapcount 2, mapped 1 times`,
      `pfn ${pfn}: refcount 3, expected 1`,
    ]);
  });

  it("names a free frame that is still mapped, and a swap slot whose count is off", () => {
    const m = new Machine({ swapPages: 2 });
    const mm = m.createMm();
    const vma = m.mmap(mm, 2);
    m.write(mm, vma.start, m.contents.unique());
    m.write(mm, vma.start + 1, m.contents.unique());
    const pfn = mm.pt.pfn(vma.start);
    m.frames.refcount[pfn] = 0;
    m.swapOut(mm.pt.pfn(vma.start + 1), [{ mm, vpn: vma.start + 1 }]);
    const slot = mm.pt.pfn(vma.start + 1);
    m.swap!.count[slot] = 5;
    expect(m.audit()).toEqual([
      `pfn ${pfn} is free but mapped 1 times`,
      `swap slot ${slot}: count 5, 1 entries`,
    ]);
  });

  it("names a THP folio whose large mapcount disagrees with the PMDs and PTEs mapping it", () => {
    const m = new Machine();
    const mm = m.createMm();
    const start = 0x4000_0000;
    m.mmapAt(mm, start, THP_PAGES);
    m.hugepageMadvise(mm, start, start + THP_PAGES, true);
    m.write(mm, start, m.contents.unique());
    const child = m.fork(mm);
    m.dontneed(child, start, start + 2); // the child's 510 PTEs and the parent's PMD
    expect(m.audit()).toEqual([]);
    const block = mm.pt.pfn(start) >>> THP_ORDER;
    m.frames.largeMapcounts.sub(block, child.id, 1);
    expect(m.audit()).toEqual([`THP block ${block}: large mapcount 510, 511 entries`]);
  });
});
