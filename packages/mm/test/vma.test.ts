import {
  linearPageIndex,
  updateVmas,
  VM_DONTEXPAND,
  VM_DROPPABLE,
  VM_HUGEPAGE,
  VM_HUGETLB,
  VM_IO,
  VM_KSM_INCOMPATIBLE,
  VM_MAYSHARE,
  VM_MERGEABLE,
  VM_MIXEDMAP,
  VM_NOHUGEPAGE,
  VM_PFNMAP,
  VM_READ,
  VM_SHARED,
  VM_WRITE,
  type Vma,
  vmaAddress,
  vmaKsmCompatible,
} from "@ksm/mm";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { setup } from "./helpers.js";

const vmaOf = (start: number, end: number, pgoff: number, flags = 0): Vma => ({
  mmId: 0,
  start,
  end,
  flags,
  pgoff,
  anonVma: null,
  chain: [],
  node: 0,
});

describe("linearPageIndex / vmaAddress", () => {
  it("are inverse, and the index does not change when the VMA moves with its pgoff kept", () => {
    fc.assert(
      fc.property(
        fc.nat(1 << 20),
        fc.integer({ min: 1, max: 64 }),
        fc.nat(1 << 20),
        fc.nat(1 << 20),
        fc.nat(63),
        (start, len, pgoff, to, off) => {
          const vma = vmaOf(start, start + len, pgoff);
          const vpn = start + (off % len);
          const index = linearPageIndex(vma, vpn);
          expect(vmaAddress(vma, index)).toBe(vpn);
          expect(index).toBe(pgoff + (off % len));
          // mremap: the VMA moves to `to`, pgoff stays, so the page's index is found at the new place
          const moved = vmaOf(to, to + len, pgoff);
          expect(vmaAddress(moved, index)).toBe(to + (off % len));
        },
      ),
    );
  });
});

describe("vmaKsmCompatible", () => {
  it("refuses each flag of vma_ksm_compatible and only those", () => {
    const incompatible = [
      VM_SHARED,
      VM_MAYSHARE,
      VM_PFNMAP,
      VM_IO,
      VM_DONTEXPAND,
      VM_HUGETLB,
      VM_MIXEDMAP,
      VM_DROPPABLE,
    ];
    for (const f of incompatible) expect(vmaKsmCompatible(vmaOf(0, 1, 0, f | VM_READ))).toBe(false);
    for (const f of [0, VM_READ, VM_WRITE, VM_MERGEABLE, VM_HUGEPAGE, VM_NOHUGEPAGE])
      expect(vmaKsmCompatible(vmaOf(0, 1, 0, f))).toBe(true);
    expect(incompatible.reduce((a, f) => a | f, 0)).toBe(VM_KSM_INCOMPATIBLE);
  });

  it("flags are distinct bits", () => {
    const all = [VM_READ, VM_WRITE, VM_SHARED, VM_MAYSHARE, VM_PFNMAP, VM_IO, VM_DONTEXPAND, VM_HUGETLB];
    all.push(VM_MIXEDMAP, VM_DROPPABLE, VM_NOHUGEPAGE, VM_HUGEPAGE, VM_MERGEABLE);
    expect(new Set(all).size).toBe(all.length);
    for (const f of all) expect(f & (f - 1)).toBe(0);
  });
});

describe("updateVmas", () => {
  it("splits a VMA at the ends of the range where the flags change, and gives only the range the new flags", () => {
    const { m, mm, vma } = setup(8);
    const { start } = vma;
    const before = vma.flags;
    updateVmas(m, mm, start + 2, start + 5, (f) => f | VM_MERGEABLE);
    expect(mm.vmas.map((v) => [v.start - start, v.end - start])).toEqual([
      [0, 2],
      [2, 5],
      [5, 8],
    ]);
    expect(mm.vmas.map((v) => v.flags)).toEqual([before, before | VM_MERGEABLE, before]);
  });

  it("does not split a VMA whose flags the change leaves as they are", () => {
    const { m, mm, vma } = setup(8);
    updateVmas(m, mm, vma.start + 2, vma.start + 5, (f) => f);
    expect(mm.vmas).toHaveLength(1);
    expect([mm.vmas[0]!.start, mm.vmas[0]!.end]).toEqual([vma.start, vma.start + 8]);
  });
});
