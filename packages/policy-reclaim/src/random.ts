import type { ReclaimPolicy } from "@ksm/contracts";

/** Victims drawn uniformly with a seeded generator (xorshift32): reproducible bit for bit. */
export function randomReclaim(seed = 1): ReclaimPolicy {
  let x = seed >>> 0 || 1;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
  return {
    name: "random",
    selectVictims(candidates, count) {
      const pool = [...candidates].sort((a, b) => a - b);
      const out: number[] = [];
      while (out.length < count && pool.length > 0) {
        const i = next() % pool.length;
        out.push(pool[i]!);
        pool[i] = pool[pool.length - 1]!;
        pool.pop();
      }
      return out;
    },
  };
}
