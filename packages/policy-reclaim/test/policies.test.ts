import type { ReclaimContext } from "@ksm/contracts";
import { clockReclaim, fifoReclaim, lruReclaim, randomReclaim } from "@ksm/policy-reclaim";
import { describe, expect, it } from "vitest";

/**
 * A reclaim context over frames whose allocation order is `seq` (default: the pfn) and
 * whose accessed bits are set for `referenced`; like `folio_referenced`, a look clears them.
 */
function context(referenced: Iterable<number> = [], seq: (pfn: number) => number = (pfn) => pfn) {
  const young = new Set(referenced);
  const looked: number[] = [];
  const ctx: ReclaimContext = {
    allocSeq: seq,
    referenced: (pfn) => {
      looked.push(pfn);
      return young.delete(pfn);
    },
  };
  return { ctx, young, looked };
}

describe("fifo", () => {
  it("takes the oldest allocations first, whatever their use, and never looks at accessed bits", () => {
    const { ctx, looked } = context([1, 2, 3], (pfn) => 100 - pfn); // higher pfn, older
    expect(fifoReclaim().selectVictims([1, 2, 3, 4, 5], 3, ctx)).toEqual([5, 4, 3]);
    expect(looked).toEqual([]);
  });
});

describe("lru", () => {
  it("promotes a referenced inactive frame instead of reclaiming it; victims are the oldest unreferenced", () => {
    const lru = lruReclaim();
    const { ctx } = context([1, 2]);
    expect(lru.selectVictims([6, 5, 4, 3, 2, 1], 2, ctx)).toEqual([3, 4]);
    // 1 and 2 are on the active list now: passed over while the inactive list has victims
    const quiet = context();
    expect(lru.selectVictims([1, 2, 5, 6, 7], 2, quiet.ctx)).toEqual([5, 6]);
    expect(quiet.looked).toEqual([5, 6]);
  });

  it("when the inactive list runs short, demotes the oldest half of the active list for one more look", () => {
    const lru = lruReclaim();
    expect(lru.selectVictims([1, 2, 3, 4], 0, context().ctx)).toEqual([]);
    // all referenced: all promoted (bits cleared); 1 and 2 are demoted and 1, the oldest, goes
    expect(lru.selectVictims([1, 2, 3, 4], 1, context([1, 2, 3, 4]).ctx)).toEqual([1]);
    // active {3, 4}: 2 goes from the inactive list, then 3 once demoted; 4 stays within two passes
    expect(lru.selectVictims([2, 3, 4], 3, context().ctx)).toEqual([2, 3]);
  });

  it("forgets active frames that are no longer candidates (they were freed)", () => {
    const lru = lruReclaim();
    lru.selectVictims([1, 2], 1, context([1, 2]).ctx); // both promoted
    // 1 is gone; when 1 comes back as a new frame it starts inactive and can be taken at once
    lru.selectVictims([2], 1, context().ctx);
    expect(lru.selectVictims([1, 2], 1, context().ctx)).toEqual([1]);
  });
});

describe("clock", () => {
  it("gives a referenced frame a second chance: its bits are cleared and the hand moves on", () => {
    const { ctx, young } = context([10]);
    expect(clockReclaim().selectVictims([30, 10, 20], 2, ctx)).toEqual([20, 30]);
    expect(young.size).toBe(0); // 10's accessed bit was cleared by the look
  });

  it("takes a frame passed over once when the hand comes round again", () => {
    const { ctx } = context([1, 2, 3]);
    expect(clockReclaim().selectVictims([1, 2, 3], 1, ctx)).toEqual([1]);
  });

  it("resumes where the hand stopped, and wraps round to the lowest frame", () => {
    const clock = clockReclaim();
    expect(clock.selectVictims([10, 20, 30], 1, context().ctx)).toEqual([10]);
    expect(clock.selectVictims([10, 20, 30], 1, context().ctx)).toEqual([20]);
    expect(clock.selectVictims([5, 10, 40], 1, context().ctx)).toEqual([40]);
    expect(clock.selectVictims([5, 10, 40], 1, context().ctx)).toEqual([5]);
    expect(clock.selectVictims([], 1, context().ctx)).toEqual([]);
  });
});

describe("random", () => {
  const candidates = Array.from({ length: 100 }, (_, i) => 1000 + i);

  it("draws distinct candidates, the same for the same seed whatever the candidates' order", () => {
    const a = randomReclaim(7).selectVictims(candidates, 10, context().ctx);
    expect(new Set(a).size).toBe(10);
    for (const pfn of a) expect(candidates).toContain(pfn);
    expect(randomReclaim(7).selectVictims([...candidates].reverse(), 10, context().ctx)).toEqual(a);
    expect(randomReclaim(8).selectVictims(candidates, 10, context().ctx)).not.toEqual(a);
  });

  it("takes every candidate when asked for more than there are, and ignores accessed bits", () => {
    const { ctx, looked } = context([1]);
    expect(randomReclaim(1).selectVictims([3, 1, 2], 5, ctx).sort()).toEqual([1, 2, 3]);
    expect(looked).toEqual([]);
  });
});
