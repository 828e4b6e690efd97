import { type ReclaimPolicy, SplitMix32 } from "@ksm/contracts";

/** Victims drawn uniformly with a seeded generator: the same seed gives the same victims. */
export function randomReclaim(seed = 1): ReclaimPolicy {
  const rng = new SplitMix32(seed);
  return {
    name: "random",
    selectVictims(candidates, count) {
      const pool = [...candidates].sort((a, b) => a - b);
      const out: number[] = [];
      while (out.length < count && pool.length > 0) {
        const i = rng.below(pool.length);
        out.push(pool[i]!);
        pool[i] = pool[pool.length - 1]!;
        pool.pop();
      }
      return out;
    },
  };
}
