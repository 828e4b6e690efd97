import { Session } from "node:inspector/promises";
import { type ContentIndex, NIL } from "@ksm/contracts";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  LEAF_PAGES,
  type RmapCursor,
  RmapItems,
  type RmapList,
  STABLE_FLAG,
  UNSTABLE_FLAG,
} from "../src/rmap-item.js";
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

const head = (): RmapCursor => ({ address: 0, prev: NIL });

/** The item for (mm, addr) in a list of its own. */
function lone(items: RmapItems, mm: number, addr: number): number {
  return items.itemAt({ rmapList: NIL }, head(), mm, addr);
}

/**
 * Bytes the JS heap allocated while `run` ran, as V8's sampling heap profiler counts them: a
 * sample every 128 bytes on average, objects a garbage collection has freed since included.
 */
async function allocatedBytes(run: () => void): Promise<number> {
  const session = new Session();
  session.connect();
  try {
    // the two include* options are V8's, missing from Node 20's types
    const options = {
      samplingInterval: 128,
      includeObjectsCollectedByMinorGC: true,
      includeObjectsCollectedByMajorGC: true,
    };
    await session.post("HeapProfiler.startSampling", options as { samplingInterval: number });
    run();
    const { profile } = await session.post("HeapProfiler.stopSampling");
    let bytes = 0;
    for (const stack = [profile.head]; stack.length > 0; ) {
      const node = stack.pop()!;
      bytes += node.selfSize;
      stack.push(...node.children);
    }
    return bytes;
  } finally {
    session.disconnect();
  }
}

describe("RmapItems", () => {
  it("a walk over items that exist allocates nothing on the heap, as a full scan's visits should not", async () => {
    const items = new RmapItems(capacityIndex().index);
    const list: RmapList = { rmapList: NIL };
    const pages = 1 << 16;
    const walk = (): void => {
      const cur = head();
      for (let addr = 0; addr < pages; addr++) {
        items.advance(list, cur, addr, null);
        items.itemAt(list, cur, 1, addr);
      }
    };
    walk(); // makes the items and their leaves
    const rounds = 8;
    const bytes = await allocatedBytes(() => {
      for (let r = 0; r < rounds; r++) walk();
    });
    expect(items.count).toBe(pages);
    expect(bytes / (rounds * pages)).toBeLessThan(1);
  });

  it("itemAt gives a zeroed item for (mm, address), like alloc_rmap_item, whose leaf says both", () => {
    const items = new RmapItems(capacityIndex().index);
    const h = lone(items, 3, 1234);
    expect([items.mmOf(h), items.addressOf(h), items.flags[h]]).toEqual([3, 1234, 0]);
    expect([items.oldchecksum[h], items.age[h], items.remainingSkips[h]]).toEqual([0, 0, 0]);
    expect(items.hnext(h)).toBe(NIL);
    expect(items.count).toBe(1);
    const far = lone(items, 2 ** 31 - 1, 2 ** 31 - 2);
    expect([items.mmOf(far), items.addressOf(far)]).toEqual([2 ** 31 - 1, 2 ** 31 - 2]);
  });

  it("keeps no tree NUMA node column until an item goes into another node's tree", () => {
    const items = new RmapItems(capacityIndex().index);
    const list: RmapList = { rmapList: NIL };
    const cur = head();
    const a = items.itemAt(list, cur, 1, 0);
    items.setTreeNid(a, 0);
    expect(items.nid.length).toBe(0);
    const b = items.itemAt(list, cur, 1, 1);
    items.setTreeNid(b, 3);
    expect(items.nid.length).toBeGreaterThan(b);
    const more = Array.from({ length: 200 }, (_, i) => lone(items, 2, i * LEAF_PAGES));
    items.setTreeNid(more[199]!, 1);
    expect([a, b, more[0]!, more[199]!].map((h) => items.treeNid(h))).toEqual([0, 3, 0, 1]);
    items.advance(list, head(), Number.POSITIVE_INFINITY, () => {});
    expect(items.treeNid(lone(items, 3, 0))).toBe(0);
  });

  it("a freed item's slot comes back zeroed", () => {
    const items = new RmapItems(capacityIndex().index);
    const list: RmapList = { rmapList: NIL };
    const h = items.itemAt(list, head(), 1, 10);
    items.flags[h] = STABLE_FLAG | UNSTABLE_FLAG;
    items.oldchecksum[h] = 99;
    items.age[h] = 7;
    expect(items.advance(list, head(), Number.POSITIVE_INFINITY, () => {})).toBe(1);
    expect([items.count, list.rmapList]).toEqual([0, NIL]);
    const again = lone(items, 2, 10);
    expect(again).toBe(h);
    expect([items.flags[again], items.oldchecksum[again], items.age[again], items.mmOf(again)]).toEqual([
      0, 0, 0, 2,
    ]);
  });

  it("walks a list as the kernel's address-sorted linked list does: finds, makes, passes over and frees the same items", () => {
    // the reference: the kernel's list as a sorted array of addresses, its cursor an index
    const op = fc.oneof(
      fc.record({ kind: fc.constant("get" as const), addr: fc.nat(300) }),
      fc.record({ kind: fc.constant("pass" as const), addr: fc.nat(300) }),
      fc.record({ kind: fc.constantFrom("trail" as const, "restart" as const, "all" as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const { seen, index } = capacityIndex();
        const items = new RmapItems(index);
        const lists: RmapList[] = [{ rmapList: NIL }, { rmapList: NIL }];
        const other = items.itemAt(lists[1]!, head(), 9, 5);
        const list = lists[0]!;
        let cur = head();
        let ref: number[] = [];
        let at = 0; // ref[0..at) are behind the cursor
        const freed: number[] = [];
        const onFree = (item: number) => freed.push(items.addressOf(item));
        for (const o of ops) {
          freed.length = 0;
          if (o.kind === "get" || o.kind === "pass") {
            // the scan only moves forward within a pass
            const addr = Math.max(o.addr, cur.address);
            const stale: number[] = [];
            while (at < ref.length && ref[at]! < addr) {
              if (o.kind === "get") stale.push(...ref.splice(at, 1));
              else at++;
            }
            items.advance(list, cur, addr, o.kind === "get" ? onFree : null);
            expect(freed).toEqual(stale);
            if (o.kind === "get") {
              const existing = ref[at] === addr;
              const before = existing ? items.listed(list)[at] : undefined;
              const h = items.itemAt(list, cur, 4, addr);
              if (existing) expect(h).toBe(before);
              else ref.splice(at, 0, addr);
              at++;
              expect([items.mmOf(h), items.addressOf(h)]).toEqual([4, addr]);
              expect(seen.capacity).toBeGreaterThan(h);
            }
          } else if (o.kind === "trail" || o.kind === "all") {
            if (o.kind === "all") cur = head();
            const from = o.kind === "all" ? 0 : at;
            items.advance(list, cur, Number.POSITIVE_INFINITY, onFree);
            expect(freed).toEqual(ref.slice(from));
            ref = ref.slice(0, from);
            cur = head();
            at = 0;
          } else {
            cur = head();
            at = 0;
          }
          expect(items.listed(list).map((h) => items.addressOf(h))).toEqual(ref);
          expect(items.count).toBe(ref.length + 1);
        }
        expect(items.listed(lists[1]!)).toEqual([other]);
      }),
    );
  });

  it("reserve makes room without allocating", () => {
    const { seen, index } = capacityIndex();
    const items = new RmapItems(index);
    items.reserve(1000);
    expect(items.count).toBe(0);
    expect(seen.capacity).toBeGreaterThanOrEqual(1000);
  });

  it("each mm's list after a scan holds one item per scanned page, sorted by address", () => {
    const { ksm, mm, vma } = merged([1, 2, null, 1, 3, 2]);
    const addresses: number[] = [];
    for (const it of ksm.rmapItems(mm)) {
      expect(ksm.items.mmOf(it)).toBe(mm.id);
      addresses.push(ksm.items.addressOf(it) - vma.start);
    }
    expect(addresses).toEqual([0, 1, 3, 4, 5]);
  });
});
