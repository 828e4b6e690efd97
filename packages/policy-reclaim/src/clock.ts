import type { ReclaimPolicy } from "@ksm/contracts";

/**
 * CLOCK (second chance): a hand sweeps the frames in frame order; a referenced frame loses
 * its accessed bits and is passed over once, an unreferenced one is taken.
 */
export function clockReclaim(): ReclaimPolicy {
  let hand = 0;
  return {
    name: "clock",
    selectVictims(candidates, count, ctx) {
      const ring = [...candidates].sort((a, b) => a - b);
      const out: number[] = [];
      if (ring.length === 0) return out;
      let i = ring.findIndex((p) => p >= hand);
      if (i < 0) i = 0;
      const taken = new Set<number>();
      for (
        let steps = 0;
        out.length < count && steps < 2 * ring.length + count;
        steps++, i = (i + 1) % ring.length
      ) {
        const pfn = ring[i]!;
        if (taken.has(pfn)) continue;
        if (ctx.referenced(pfn)) continue;
        taken.add(pfn);
        out.push(pfn);
        hand = pfn + 1;
      }
      return out;
    },
  };
}
