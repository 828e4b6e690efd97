import { FrameTable, grown, PG_KSM } from "@ksm/mm";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

describe("grown", () => {
  it("keeps every entry and the array type, and zero-fills the new room", () => {
    const a = Int32Array.of(-1, 7, 2 ** 31 - 1);
    const b = grown(a, 5);
    expect(b).toBeInstanceOf(Int32Array);
    expect([...b]).toEqual([-1, 7, 2 ** 31 - 1, 0, 0]);
    expect(b).not.toBe(a);
    expect([...a]).toEqual([-1, 7, 2 ** 31 - 1]); // the old column is left as it was
  });

  it("fills the new room with `fill` (a store's 'none' handle, such as -1)", () => {
    expect([...grown(Int32Array.of(3), 3, -1)]).toEqual([3, -1, -1]);
    expect([...grown(new Float64Array(1), 2, 0.5)]).toEqual([0, 0.5]);
  });

  it("grows each column type it takes, entries intact (property)", () => {
    const ctors = [Int32Array, Uint32Array, Uint8Array, Float64Array] as const;
    fc.assert(
      fc.property(fc.constantFrom(...ctors), fc.array(fc.nat(255)), fc.nat(64), (Ctor, xs, more) => {
        const a = Ctor.from(xs);
        const b = grown(a, xs.length + more);
        expect(b.constructor).toBe(Ctor);
        expect(b.length).toBe(xs.length + more);
        expect([...b.subarray(0, xs.length)]).toEqual([...a]);
        expect(b.subarray(xs.length).every((x) => x === 0)).toBe(true);
      }),
    );
  });

  it("refuses to shrink a column, saying how many entries it holds", () => {
    expect(() => grown(new Uint8Array(4), 2)).toThrow(/2 entries cannot hold the 4 there are/);
  });

  it("is how the frame table grows: frames allocated before a growth keep their state", () => {
    const f = new FrameTable(2);
    const pfns = Array.from({ length: 100 }, (_, i) => f.alloc(i + 1, i % 2));
    expect(f.size).toBe(101);
    pfns.forEach((pfn, i) => {
      expect(f.content[pfn]).toBe(i + 1);
      expect(f.pageToNid(pfn)).toBe(i % 2);
      expect(f.refcount[pfn]).toBe(1);
      expect(f.ksmNode[pfn]).toBe(-1);
    });
  });
});

describe("FrameTable mapping", () => {
  it("holds an anon_vma or, on a KSM frame, its stable node in one column (folio->mapping)", () => {
    const f = new FrameTable(2);
    const pfn = f.alloc(1, 0);
    f.anonVma[pfn] = 5;
    expect(f.ksmNodeOf(pfn)).toBe(-1); // an anonymous frame has no stable node, whatever its anon_vma
    f.flags[pfn]! |= PG_KSM;
    f.ksmNode[pfn] = 9;
    expect(f.ksmNode).toBe(f.anonVma);
    expect(f.ksmNodeOf(pfn)).toBe(9);
    expect(f.anonVma[pfn]).toBe(9); // the anon_vma is gone, as when the kernel sets a KSM folio's mapping
    f.put(pfn);
    expect(f.ksmNodeOf(pfn)).toBe(-1);
    expect(f.anonVma[pfn]).toBe(-1);
  });
});
