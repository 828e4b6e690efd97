import { Machine, NO_PFN, PG_KSM, PG_SWAPCACHE, PTE_PRESENT, PTE_SWAP, PTE_WRITE } from "@ksm/mm";
import { describe, expect, it } from "vitest";
import { fakeHooks, merged } from "./helpers.js";

/** A machine with swap, one process and `pages` written pages of distinct contents. */
function withSwap(pages = 2, swapPages = 8) {
  const m = new Machine({ swapPages });
  const mm = m.createMm();
  const vma = m.mmap(mm, pages);
  const contents = Array.from({ length: pages }, (_, i) => m.contents.pattern(BigInt(100 + i)));
  for (const [i, c] of contents.entries()) m.write(mm, vma.start + i, c);
  return { m, mm, vma, contents };
}

describe("swap-out", () => {
  it("turns every mapping into a swap entry and frees the frame; the content is kept on the device", () => {
    const { m, mm, vma, contents } = withSwap();
    const pfn = mm.pt.pfn(vma.start);
    expect(m.swapOut(pfn, [{ mm, vpn: vma.start }])).toBe(true);
    expect(mm.pt.bits(vma.start)).toBe(PTE_SWAP);
    const slot = mm.pt.pfn(vma.start);
    expect(m.swap!.count[slot]).toBe(1);
    expect(m.swap!.used).toBe(1);
    expect(m.frames.isFree(pfn)).toBe(true);
    expect(m.vmstat.pswpout).toBe(1);
    expect(m.peek(mm, vma.start)).toBe(contents[0]); // peek reads the device, without a fault
    expect(m.audit()).toEqual([]);
  });

  it("fails and changes nothing without a swap device, when it is full, or with no mapping given", () => {
    const noSwap = new Machine();
    const p = noSwap.createMm();
    const v = noSwap.mmap(p, 1);
    noSwap.write(p, v.start, noSwap.contents.unique());
    expect(noSwap.swapOut(p.pt.pfn(v.start), [{ mm: p, vpn: v.start }])).toBe(false);
    expect(p.pt.bits(v.start) & PTE_PRESENT).toBe(PTE_PRESENT);

    const { m, mm, vma } = withSwap(2, 1);
    expect(m.swapOut(mm.pt.pfn(vma.start), [{ mm, vpn: vma.start }])).toBe(true);
    const second = mm.pt.pfn(vma.start + 1);
    expect(m.swapOut(second, [{ mm, vpn: vma.start + 1 }])).toBe(false); // the one slot is taken
    expect(m.swapOut(second, [])).toBe(false);
    expect(mm.pt.pfn(vma.start + 1)).toBe(second);
    expect(m.vmstat.pswpout).toBe(1);
    expect(m.audit()).toEqual([]);
  });
});

describe("swap-in (do_swap_page)", () => {
  it("a read brings the page back read-only through the swap cache, and the slot is freed", () => {
    const { m, mm, vma, contents } = withSwap();
    m.swapOut(mm.pt.pfn(vma.start), [{ mm, vpn: vma.start }]);
    expect(m.read(mm, vma.start)).toBe(contents[0]);
    expect(m.vmstat.pswpin).toBe(1);
    const bits = mm.pt.bits(vma.start);
    expect(bits & PTE_PRESENT).toBe(PTE_PRESENT);
    expect(bits & PTE_WRITE).toBe(0);
    const pfn = mm.pt.pfn(vma.start);
    expect(m.frames.flags[pfn]! & PG_SWAPCACHE).toBe(0); // the last swap entry went: out of the cache
    expect(m.frames.refcount[pfn]).toBe(1);
    expect(m.swap!.used).toBe(0);
    expect(m.audit()).toEqual([]);
  });

  it("a write swaps in, then writes the page in place (the only user reuses it)", () => {
    const { m, mm, vma } = withSwap();
    m.swapOut(mm.pt.pfn(vma.start), [{ mm, vpn: vma.start }]);
    const c = m.contents.pattern(7n);
    m.write(mm, vma.start, c);
    expect(m.vmstat.pswpin).toBe(1);
    expect(m.peek(mm, vma.start)).toBe(c);
    expect(mm.pt.bits(vma.start) & PTE_WRITE).toBe(PTE_WRITE);
    expect(m.frames.allocated).toBe(3); // the zero page and the two pages, no copy
  });

  it("fork shares swap entries (swap_duplicate); both sides reuse the one swap-cache page", () => {
    const { m, mm, vma, contents } = withSwap();
    const pfn = mm.pt.pfn(vma.start);
    const child = m.fork(mm);
    expect(
      m.swapOut(pfn, [
        { mm, vpn: vma.start },
        { mm: child, vpn: vma.start },
      ]),
    ).toBe(true);
    const slot = mm.pt.pfn(vma.start);
    expect(m.swap!.count[slot]).toBe(2);
    const grandchild = m.fork(child);
    expect(m.swap!.count[slot]).toBe(3);
    expect(m.read(mm, vma.start)).toBe(contents[0]);
    const cached = mm.pt.pfn(vma.start);
    expect(m.frames.flags[cached]! & PG_SWAPCACHE).toBe(PG_SWAPCACHE); // other entries still refer to it
    expect(m.read(child, vma.start)).toBe(contents[0]);
    expect(child.pt.pfn(vma.start)).toBe(cached);
    expect(m.vmstat.ksm_swpin_copy).toBe(0);
    expect(m.vmstat.pswpin).toBe(1);
    m.exit(grandchild); // its swap entry goes: the slot is free, the page leaves the cache
    expect(m.swap!.used).toBe(0);
    expect(m.frames.flags[cached]! & PG_SWAPCACHE).toBe(0);
    expect(m.audit()).toEqual([]);
  });

  it("a page another process brought in is copied for an unrelated one (ksm_swpin_copy)", () => {
    const { m, p, q, vp, vq, a, kpfn } = merged({ swapPages: 4 }); // q and p share one KSM frame
    expect(
      m.swapOut(kpfn, [
        { mm: p, vpn: vp.start },
        { mm: q, vpn: vq.start },
      ]),
    ).toBe(true);
    m.read(p, vp.start);
    m.read(q, vq.start);
    expect(m.vmstat.ksm_swpin_copy).toBe(1);
    expect(q.pt.pfn(vq.start)).not.toBe(p.pt.pfn(vp.start));
    expect(m.peek(q, vq.start)).toBe(a);
    expect(m.audit()).toEqual([]);
  });

  it.each([
    [true, 0],
    [false, 1],
  ])(
    "a KSM page in the swap cache is reused only where KSM says so (ksmFolioReusable %s: %i copies)",
    (reusable, copies) => {
      const { m, p, q, vp, vq, kpfn: pp } = merged({ swapPages: 4 });
      m.hooks = { ...fakeHooks(), ksmFolioReusable: () => reusable };
      m.swapOut(pp, [
        { mm: p, vpn: vp.start },
        { mm: q, vpn: vq.start },
      ]);
      m.read(p, vp.start);
      const cached = p.pt.pfn(vp.start);
      m.frames.flags[cached]! |= PG_KSM; // KSM merged the page while it sat in the swap cache
      m.read(q, vq.start);
      expect(m.vmstat.ksm_swpin_copy).toBe(copies);
      expect(q.pt.pfn(vq.start) === cached).toBe(reusable);
    },
  );
});

describe("zapping swap entries", () => {
  it("munmap of a swapped-out page frees its slot", () => {
    const { m, mm, vma } = withSwap();
    m.swapOut(mm.pt.pfn(vma.start), [{ mm, vpn: vma.start }]);
    expect(m.swap!.used).toBe(1);
    m.munmap(mm, vma.start, vma.start + 1);
    expect(m.swap!.used).toBe(0);
    expect(mm.pt.pfn(vma.start)).toBe(NO_PFN);
    expect(m.audit()).toEqual([]);
  });
});
