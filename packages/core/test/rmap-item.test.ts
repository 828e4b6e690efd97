import { type ContentIndex, NIL } from "@ksm/contracts";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RmapItems, STABLE_FLAG, UNSTABLE_FLAG } from "../src/rmap-item.js";
import { merged } from "./helpers.js";

/** An unstable index that only records the capacity it is asked for (RmapItems calls nothing else). */
function capacityIndex() {
  const seen = { capacity: 0 };
  const index = {
    ensure(n: number) {
      seen.capacity = Math.max(seen.capacity, n);
    },
  };
  return { seen, index: index as unknown as ContentIndex };
}

describe("RmapItems", () => {
  it("alloc gives a zeroed item for (mm, address), like alloc_rmap_item", () => {
    const items = new RmapItems(capacityIndex().index);
    const h = items.alloc(3, 1234);
    expect([items.mm[h], items.address[h], items.next[h], items.flags[h]]).toEqual([3, 1234, NIL, 0]);
    expect([items.oldchecksum[h], items.age[h], items.remainingSkips[h], items.seqnr[h]]).toEqual([
      0, 0, 0, 0,
    ]);
    expect(items.hnext(h)).toBe(NIL);
    expect(items.count).toBe(1);
  });

  it("keeps mm ids in 16 bits until one needs more, then widens without losing any", () => {
    const items = new RmapItems(capacityIndex().index);
    const ids = [0, 1, 0xffff, 7];
    const hs = ids.map((id, i) => items.alloc(id, i));
    expect(items.mm).toBeInstanceOf(Uint16Array);
    const wide = items.alloc(0x10000 + 5, 99);
    expect(items.mm).toBeInstanceOf(Int32Array);
    expect(hs.map((h) => items.mm[h])).toEqual(ids);
    expect(items.mm[wide]).toBe(0x10005);
    for (let i = 0; i < 100; i++) items.alloc(2 ** 30 + i, i);
    expect(items.mm[hs[2]!]).toBe(0xffff);
    expect(items.mm[items.alloc(2 ** 31 - 1, 0)]).toBe(2 ** 31 - 1);
  });

  it("keeps no tree NUMA node column until an item goes into another node's tree", () => {
    const items = new RmapItems(capacityIndex().index);
    const a = items.alloc(1, 0);
    items.setTreeNid(a, 0);
    expect(items.nid.length).toBe(0);
    const b = items.alloc(1, 1);
    items.setTreeNid(b, 3);
    expect(items.nid.length).toBeGreaterThan(b);
    const more = Array.from({ length: 200 }, (_, i) => items.alloc(2, i));
    items.setTreeNid(more[199]!, 1);
    expect([a, b, more[0]!, more[199]!].map((h) => items.treeNid(h))).toEqual([0, 3, 0, 1]);
    items.free(b);
    expect(items.treeNid(items.alloc(3, 0))).toBe(0);
  });

  it("a freed item's handle is reused and comes back zeroed", () => {
    const items = new RmapItems(capacityIndex().index);
    const h = items.alloc(1, 10);
    items.flags[h] = STABLE_FLAG | UNSTABLE_FLAG;
    items.oldchecksum[h] = 99;
    items.age[h] = 7;
    items.free(h);
    expect(items.count).toBe(0);
    const again = items.alloc(2, 20);
    expect(again).toBe(h);
    expect([items.flags[again], items.oldchecksum[again], items.age[again], items.mm[again]]).toEqual([
      0, 0, 0, 2,
    ]);
  });

  it("never hands out a live item twice, counts the live ones, and grows the unstable tree with the items", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constant(-1), fc.nat(50)), { maxLength: 300 }), (ops) => {
        const { seen, index } = capacityIndex();
        const items = new RmapItems(index);
        const live = new Set<number>();
        for (const op of ops) {
          if (op === -1 || live.size === 0) {
            const h = items.alloc(0, op);
            expect(live.has(h)).toBe(false);
            live.add(h);
            expect(seen.capacity).toBeGreaterThan(h);
          } else {
            const h = [...live][op % live.size]!;
            items.free(h);
            live.delete(h);
          }
          expect(items.count).toBe(live.size);
        }
      }),
    );
  });

  it("reserve makes room without allocating", () => {
    const { seen, index } = capacityIndex();
    const items = new RmapItems(index);
    items.reserve(100);
    expect(items.count).toBe(0);
    expect(seen.capacity).toBeGreaterThanOrEqual(100);
  });

  it("each mm's list after a scan holds one item per scanned page, sorted by address", () => {
    const { ksm, mm, vma } = merged([1, 2, null, 1, 3, 2]);
    const addresses: number[] = [];
    for (let it = ksm.rmapList(mm); it !== NIL; it = ksm.items.next[it]!) {
      expect(ksm.items.mm[it]).toBe(mm.id);
      addresses.push(ksm.items.address[it]! - vma.start);
    }
    expect(addresses).toEqual([0, 1, 3, 4, 5]);
  });
});
