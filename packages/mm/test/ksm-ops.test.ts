import { NO_PFN, PG_ANON, PG_DIRTY, PTE_DIRTY, PTE_SPECIAL, PTRS_PER_PTE, ZERO_PFN } from "@ksm/mm";
import { describe, expect, it } from "vitest";
import { fakeHooks, merged, setup, writable } from "./helpers.js";

describe("KSM pages", () => {
  it("replacePage shares the KSM frame and frees the replaced one", () => {
    const { m, p, q, vp, vq, kpfn, other } = merged();
    expect(q.pt.pfn(vq.start)).toBe(kpfn);
    expect(m.frames.refcount[kpfn]).toBe(2);
    expect(m.frames.mapcount[kpfn]).toBe(2);
    expect(m.frames.isFree(other)).toBe(true);
    expect(writable(p, vp.start) || writable(q, vq.start)).toBe(false);
    expect(m.frames.allocated).toBe(2);
  });

  it("unshare() copies a KSM page and counts cow_ksm", () => {
    const { m, p, q, vp, vq, a, kpfn } = merged();
    expect(m.vmstat.cow_ksm).toBe(0);
    expect(m.unshare(q, vq, vq.start)).toBe(true);
    expect(m.vmstat.cow_ksm).toBe(1);
    const copy = q.pt.pfn(vq.start);
    expect(copy).not.toBe(kpfn);
    expect(m.frames.isKsm(copy)).toBe(false);
    expect(m.peek(q, vq.start)).toBe(a);
    expect(writable(q, vq.start)).toBe(false); // unshare leaves a read-only private copy
    expect(m.frames.refcount[kpfn]).toBe(1);
    expect(m.frames.mapcount[kpfn]).toBe(1);
    expect(p.pt.pfn(vp.start)).toBe(kpfn);
    // A later write reuses the private copy.
    m.write(q, vq.start, m.contents.pattern(21n));
    expect(q.pt.pfn(vq.start)).toBe(copy);
    expect(m.vmstat.cow_ksm).toBe(1);
  });

  it("unshare() leaves ordinary pages alone", () => {
    const { m, mm, vma } = setup(2);
    m.write(mm, vma.start, m.contents.pattern(22n));
    const pfn = mm.pt.pfn(vma.start);
    expect(m.unshare(mm, vma, vma.start)).toBe(false);
    expect(m.unshare(mm, vma, vma.start + 1)).toBe(false);
    expect(mm.pt.pfn(vma.start)).toBe(pfn);
    expect(m.vmstat.cow_ksm).toBe(0);
  });

  it("a write to a KSM page breaks COW and counts cow_ksm, even for its last mapper", () => {
    const { m, q, vq, a, kpfn } = merged();
    m.write(q, vq.start, m.contents.pattern(23n));
    expect(m.vmstat.cow_ksm).toBe(1);
    expect(q.pt.pfn(vq.start)).not.toBe(kpfn);
    // Its last mapper still gets a copy: a KSM page is never reused for writing.
    const { m: m2, p: p2, q: q2, vp: vp2, vq: vq2, kpfn: k2 } = merged();
    m2.unshare(q2, vq2, vq2.start);
    expect(m2.frames.refcount[k2]).toBe(1);
    m2.write(p2, vp2.start, a);
    expect(m2.vmstat.cow_ksm).toBe(2);
    expect(p2.pt.pfn(vp2.start)).not.toBe(k2);
    expect(m2.frames.isFree(k2)).toBe(true);
  });

  it("writeProtect refuses a page with an extra reference", () => {
    const { m, mm, vma } = setup(1);
    m.write(mm, vma.start, m.contents.pattern(24n));
    const pfn = mm.pt.pfn(vma.start);
    m.frames.refcount[pfn]!++; // a pin
    expect(m.writeProtect(mm, vma.start, pfn)).toBe(false);
    expect(writable(mm, vma.start)).toBe(true);
    m.frames.refcount[pfn]!--;
    expect(m.writeProtect(mm, vma.start, pfn)).toBe(true);
    expect(writable(mm, vma.start)).toBe(false);
    expect(mm.pt.bits(vma.start) & PTE_DIRTY).toBe(0);
  });
});

describe("what ksmd walks and maps", () => {
  it("followAnonPage gives the anonymous frame at an address, and NO_PFN for nothing, the zero page or no leaf", () => {
    const { m, mm, vma } = setup(3);
    m.write(mm, vma.start, m.contents.unique());
    m.read(mm, vma.start + 1); // the shared zero page
    expect(m.followAnonPage(mm, vma.start)).toBe(mm.pt.pfn(vma.start));
    expect(m.followAnonPage(mm, vma.start + 1)).toBe(NO_PFN);
    expect(m.followAnonPage(mm, vma.start + 2)).toBe(NO_PFN);
    expect(mm.pt.leaf(vma.start - PTRS_PER_PTE, false)).toBeUndefined(); // a leaf maps PTRS_PER_PTE pages
    expect(m.followAnonPage(mm, vma.start - PTRS_PER_PTE)).toBe(NO_PFN);
    const pfn = mm.pt.pfn(vma.start);
    m.frames.flags[pfn]! &= ~PG_ANON; // not anonymous any more
    expect(m.followAnonPage(mm, vma.start)).toBe(NO_PFN);
  });

  it("writeProtect keeps a dirty PTE's dirtiness in the page (PG_DIRTY), and fails where the frame is not mapped", () => {
    const { m, mm, vma } = setup(2);
    m.write(mm, vma.start, m.contents.unique());
    const pfn = mm.pt.pfn(vma.start);
    expect(m.writeProtect(mm, vma.start + 1, pfn)).toBe(false);
    expect(m.writeProtect(mm, vma.start, pfn)).toBe(true);
    expect(m.frames.flags[pfn]! & PG_DIRTY).toBe(PG_DIRTY);
  });

  it("replacePage with the zero page maps a KSM-placed zero page, counted in ksmZeroPages until unmapped", () => {
    const { m, mm, vma } = setup(1);
    let told = 0;
    m.hooks = { ...fakeHooks(), zeroPageUnmapped: () => told++ };
    m.write(mm, vma.start, m.contents.pattern(0n));
    const pfn = mm.pt.pfn(vma.start);
    m.writeProtect(mm, vma.start, pfn);
    m.replacePage(mm, vma.start, pfn, ZERO_PFN);
    expect(mm.pt.pfn(vma.start)).toBe(ZERO_PFN);
    expect(mm.pt.bits(vma.start) & (PTE_SPECIAL | PTE_DIRTY)).toBe(PTE_SPECIAL | PTE_DIRTY);
    expect(mm.ksmZeroPages).toBe(1);
    expect(m.frames.isFree(pfn)).toBe(true);
    expect(m.unshare(mm, vma, vma.start)).toBe(true); // break_ksm of a KSM-placed zero page
    expect(mm.ksmZeroPages).toBe(0);
    expect(told).toBe(1);
    expect(mm.pt.pfn(vma.start)).not.toBe(ZERO_PFN);
  });
});
