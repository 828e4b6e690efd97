import { FrameTable, PG_KSM, THP_PAGES, ZERO_PFN } from "@ksm/mm";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

describe("FrameTable", () => {
  it("starts with only the zero page, which put never frees", () => {
    const f = new FrameTable(4);
    expect(f.allocated).toBe(1);
    expect(f.size).toBe(1);
    expect(f.isFree(ZERO_PFN)).toBe(false);
    expect(f.put(ZERO_PFN)).toBe(false);
    expect(f.allocated).toBe(1);
  });

  it("alloc gives refcount 1, mapcount 0, the content and node; put frees on the last reference only", () => {
    const f = new FrameTable(2);
    const p = f.alloc(77, 1);
    expect([f.content[p], f.refcount[p], f.mapcount[p], f.pageToNid(p)]).toEqual([77, 1, 0, 1]);
    f.refcount[p]!++;
    expect(f.put(p)).toBe(false);
    expect(f.isFree(p)).toBe(false);
    expect(f.put(p)).toBe(true);
    expect(f.isFree(p)).toBe(true);
    expect(() => f.put(p)).toThrow(/underflow/);
  });

  it("keeps no NUMA node column until a frame lands off node 0, and frames before it stay on 0", () => {
    const f = new FrameTable(2);
    const before = [f.alloc(1), f.alloc(2), f.alloc(3)];
    expect(f.nid.length).toBe(0);
    const off = f.alloc(4, 2);
    const after = f.alloc(5);
    expect(f.nid.length).toBeGreaterThan(after);
    expect([...before, off, after].map((p) => f.pageToNid(p))).toEqual([0, 0, 0, 2, 0]);
    f.put(off);
    expect(f.pageToNid(f.alloc(6))).toBe(0);
  });

  it("counts a frame's mappings past 16 bits, widening every frame's counts without losing one", () => {
    const f = new FrameTable(4);
    const other = f.alloc(5);
    f.map(other);
    const p = f.alloc(6);
    expect(f.refcount).toBeInstanceOf(Uint16Array);
    for (let i = 0; i < 0x10003; i++) f.map(p);
    expect(f.refcount).toBeInstanceOf(Int32Array);
    expect(f.mapcount).toBeInstanceOf(Int32Array);
    expect([f.refcount[p], f.mapcount[p]]).toEqual([0x10004, 0x10003]);
    expect([f.refcount[other], f.mapcount[other], f.refcount[ZERO_PFN]]).toEqual([2, 1, 1]);
    for (let i = 0; i < 0x10003; i++) {
      f.mapcount[p]!--;
      expect(f.put(p)).toBe(false);
    }
    expect(f.put(p)).toBe(true);
  });

  it("numbers frames in allocation order only when it keeps that order", () => {
    const kept = new FrameTable(2);
    const dropped = new FrameTable(2, false);
    const a = kept.alloc(1);
    const b = kept.alloc(2);
    kept.put(a);
    const c = kept.alloc(3);
    expect(c).toBe(a);
    expect(kept.allocSeq[b]!).toBeLessThan(kept.allocSeq[c]!);
    for (let i = 0; i < 10; i++) dropped.alloc(i);
    expect(dropped.allocSeq.length).toBe(0);
    expect(dropped.content.length).toBeGreaterThanOrEqual(11);
  });

  it("never hands out a live frame, and reuses a freed one before the table grows", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constant(-1), fc.nat(40)), { maxLength: 200 }), (ops) => {
        const f = new FrameTable(2);
        const live: number[] = [];
        let freed = 0;
        for (const op of ops) {
          if (op === -1 || live.length === 0) {
            const size = f.size;
            const p = f.alloc(live.length + 1);
            expect(live).not.toContain(p);
            expect(p).not.toBe(ZERO_PFN);
            if (freed > 0) {
              expect(f.size).toBe(size);
              freed--;
            } else expect(f.size).toBe(size + 1);
            live.push(p);
          } else {
            const [p] = live.splice(op % live.length, 1);
            expect(f.put(p!)).toBe(true);
            freed++;
          }
          expect(f.allocated).toBe(live.length + 1);
          for (const p of live) expect(f.isFree(p)).toBe(false);
        }
      }),
    );
  });

  it("a freed frame loses its KSM flag and stable node, and its swap slot", () => {
    const f = new FrameTable();
    const p = f.alloc(1);
    f.flags[p]! |= PG_KSM;
    f.ksmNode[p] = 5;
    f.setSwapSlot(p, 9);
    expect(f.ksmNodeOf(p)).toBe(5);
    expect(f.swapSlot(p)).toBe(9);
    f.put(p);
    expect(f.isKsm(p)).toBe(false);
    expect(f.ksmNodeOf(p)).toBe(-1);
    expect(f.swapSlot(p)).toBe(-1);
    const q = f.alloc(2);
    f.setSwapSlot(q, 3);
    f.setSwapSlot(q, -1);
    expect(f.swapSlot(q)).toBe(-1);
  });

  it("ksmNodeOf reads a stable node only on a KSM frame", () => {
    const f = new FrameTable();
    const p = f.alloc(1);
    f.anonVma[p] = 4; // an anon_vma id, not a stable node
    expect(f.ksmNodeOf(p)).toBe(-1);
  });

  it("a THP folio is aligned, and its frames are freed only when the last of them goes", () => {
    const f = new FrameTable();
    f.alloc(1);
    const head = f.allocThp();
    expect(head % THP_PAGES).toBe(0);
    expect(f.isThp(head + 3)).toBe(true);
    expect(f.thpHead(head + 3)).toBe(head);
    const before = f.allocated;
    for (let i = 0; i < THP_PAGES - 1; i++) f.put(head + i);
    expect(f.allocated).toBe(before);
    expect(f.isHeld(head)).toBe(true);
    f.put(head + THP_PAGES - 1);
    expect(f.allocated).toBe(before - THP_PAGES);
    expect(f.isThp(head)).toBe(false);
  });

  it("splitting a THP frees the frames already put and keeps the rest", () => {
    const f = new FrameTable();
    const head = f.allocThp();
    const before = f.allocated;
    f.put(head + 1);
    f.splitThp(head);
    expect(f.isThp(head)).toBe(false);
    expect(f.allocated).toBe(before - 1);
    expect(f.isFree(head + 1)).toBe(true);
    expect(f.isFree(head)).toBe(false);
  });
});
