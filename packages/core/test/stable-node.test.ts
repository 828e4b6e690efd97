import { NIL } from "@ksm/contracts";
import { KEY_EXACT, KEY_PREFIX, NO_KEY } from "@ksm/mm";
import { rbtreeIndex } from "@ksm/policy-index";
import { describe, expect, it } from "vitest";
import { StableNodes } from "../src/stable-node.js";

function nodes(n: number): { sn: StableNodes; h: number[] } {
  const sn = new StableNodes(rbtreeIndex.create(1));
  return { sn, h: Array.from({ length: n }, () => sn.alloc()) };
}

describe("StableNodes", () => {
  it("keeps a node's page, key and chain bit in its record, each independent of the others", () => {
    const { sn, h } = nodes(2);
    const [a, b] = h as [number, number];
    expect(sn.kpfn(a)).toBe(NIL);
    sn.setKpfn(a, 77);
    sn.setKey(a, KEY_PREFIX, 0xfedc_ba98, 0x0123_4567);
    sn.makeChain(b, 0);
    expect([sn.kpfn(a), sn.keyed(a), sn.keyHi(a), sn.keyLo(a), sn.isChain(a)]).toEqual([
      77,
      KEY_PREFIX,
      0xfedc_ba98,
      0x0123_4567,
      false,
    ]);
    expect([sn.isChain(b), sn.keyed(b)]).toEqual([true, NO_KEY]);
    sn.markValid(a, 3);
    sn.markValid(b, 3);
    expect([sn.keyed(a), sn.isChain(a), sn.isChain(b)]).toEqual([KEY_PREFIX, false, true]);
    sn.setKey(a, KEY_EXACT, 0, 0);
    expect([sn.keyed(a), sn.isValid(a, 3), sn.isChain(a)]).toEqual([KEY_EXACT, true, false]);
    sn.setKey(a, NO_KEY, 0, 0);
    expect([sn.keyed(a), sn.isValid(a, 3)]).toEqual([NO_KEY, true]);
  });

  it("says a node is valid exactly at the epoch of its last check, whatever other nodes did", () => {
    const { sn, h } = nodes(3);
    const [a, b, c] = h as [number, number, number];
    expect(sn.isValid(a, 0)).toBe(false); // never checked
    sn.markValid(a, 5);
    sn.markValid(b, 5);
    expect([sn.isValid(a, 5), sn.isValid(b, 5), sn.isValid(c, 5)]).toEqual([true, true, false]);
    expect(sn.isValid(a, 6)).toBe(false); // memory changed since
    sn.markValid(c, 9);
    expect([sn.isValid(a, 9), sn.isValid(c, 9)]).toEqual([false, true]);
    // an old node's tag never comes back as valid at a later epoch
    sn.markValid(b, 12);
    expect([sn.isValid(a, 12), sn.isValid(c, 12), sn.isValid(b, 12)]).toEqual([false, false, true]);
  });

  it("frees its record with the node: a reused handle is neither valid, keyed nor a chain", () => {
    const { sn, h } = nodes(1);
    const a = h[0]!;
    sn.makeChain(a, 0);
    sn.setKey(a, KEY_PREFIX, 1, 2);
    sn.markValid(a, 4);
    sn.free(a);
    const again = sn.alloc();
    expect(again).toBe(a);
    expect([sn.isValid(again, 4), sn.keyed(again), sn.isChain(again), sn.kpfn(again)]).toEqual([
      false,
      NO_KEY,
      false,
      NIL,
    ]);
  });

  it("keeps each chain's prune time and full epoch in a slot of its own, freed with the chain", () => {
    const { sn, h } = nodes(3);
    const [a, b, c] = h as [number, number, number];
    sn.makeChain(a, 100);
    sn.makeChain(b, 200);
    expect([sn.pruneTime(a), sn.pruneTime(b), sn.fullEpoch(a), sn.fullEpoch(b)]).toEqual([100, 200, -1, -1]);
    sn.setFullEpoch(a, 7);
    sn.setPruneTime(b, 250);
    expect([sn.pruneTime(a), sn.pruneTime(b), sn.fullEpoch(a), sn.fullEpoch(b)]).toEqual([100, 250, 7, -1]);
    const slotOfA = sn.chainOf[a];
    sn.free(a);
    sn.makeChain(c, 300);
    expect(sn.chainOf[c]).toBe(slotOfA);
    expect([sn.pruneTime(c), sn.fullEpoch(c), sn.pruneTime(b), sn.fullEpoch(b)]).toEqual([300, -1, 250, -1]);
  });
});
