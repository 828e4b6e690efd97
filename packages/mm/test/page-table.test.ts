import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { NO_PFN } from "../src/frames.js";
import { MMAP_BASE, PageTable, PTE_DIRTY, PTE_PRESENT, PTE_WRITE, PTRS_PER_PTE } from "../src/page-table.js";

// addresses below where mmap starts (the dense leaves) and far above it (the sparse map)
const vpn = fc.oneof(
  fc.integer({ min: MMAP_BASE - 4 * PTRS_PER_PTE, max: MMAP_BASE - 1 }),
  fc.integer({ min: 2 * MMAP_BASE, max: 2 * MMAP_BASE + 4 * PTRS_PER_PTE }),
);
const op = fc.record({ vpn, pfn: fc.integer({ min: 0, max: 1 << 20 }), bits: fc.constantFrom(0, 1, 3, 7) });

describe("PageTable", () => {
  it("reads back what was set, like a map from vpn to (pfn, bits), and empties hold NO_PFN", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const pt = new PageTable();
        const model = new Map<number, [number, number]>();
        for (const { vpn, pfn, bits } of ops) {
          pt.set(vpn, pfn, bits);
          if (bits === 0) model.delete(vpn);
          else model.set(vpn, [pfn, bits]);
        }
        for (const { vpn } of ops) {
          const want = model.get(vpn) ?? [NO_PFN, 0];
          expect([pt.pfn(vpn), pt.bits(vpn)]).toEqual(want);
        }
        // one leaf per 512-page block ever touched
        const blocks = new Set(ops.map((o) => Math.floor(o.vpn / PTRS_PER_PTE)));
        expect(pt.leafCount).toBe(blocks.size);
      }),
    );
  });

  it("frees an empty leaf only (dropLeaf), and a dropped leaf reads as empty", () => {
    const pt = new PageTable();
    const v = MMAP_BASE - 10;
    pt.set(v, 42, PTE_PRESENT | PTE_WRITE);
    pt.set(v + 1, 43, PTE_PRESENT);
    expect(() => pt.dropLeaf(v)).toThrow(/still maps 2 pages/);
    pt.clear(v);
    expect(() => pt.dropLeaf(v)).toThrow(/still maps 1 pages/);
    pt.setBits(v + 1, 0); // bits 0 is a clear: the leaf is empty now
    expect([pt.pfn(v + 1), pt.bits(v + 1)]).toEqual([NO_PFN, 0]);
    pt.dropLeaf(v);
    expect(pt.leafCount).toBe(0);
    expect([pt.pfn(v), pt.bits(v), pt.leaf(v, false)]).toEqual([NO_PFN, 0, undefined]);
  });

  it("changes only the bits of a non-empty entry with setBits, never creating one or a leaf", () => {
    const pt = new PageTable();
    pt.setBits(100, PTE_PRESENT);
    expect(pt.leafCount).toBe(0);
    pt.set(101, 8, PTE_PRESENT);
    pt.setBits(100, PTE_PRESENT); // an empty entry in an existing leaf stays empty
    expect([pt.pfn(100), pt.bits(100)]).toEqual([NO_PFN, 0]);
    pt.set(100, 9, PTE_PRESENT | PTE_WRITE | PTE_DIRTY);
    pt.setBits(100, PTE_PRESENT);
    expect([pt.pfn(100), pt.bits(100)]).toEqual([9, PTE_PRESENT]);
    expect(PageTable.slot(100 + 3 * PTRS_PER_PTE)).toBe(100);
  });
});
