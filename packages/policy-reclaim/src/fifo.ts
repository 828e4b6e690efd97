import type { ReclaimPolicy } from "@ksm/contracts";

/** First in, first out: the oldest allocations go first, whatever their use. */
export function fifoReclaim(): ReclaimPolicy {
  return {
    name: "fifo",
    selectVictims: (candidates, count, ctx) =>
      [...candidates].sort((a, b) => ctx.allocSeq(a) - ctx.allocSeq(b)).slice(0, count),
  };
}
