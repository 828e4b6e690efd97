import { SplitMix32 } from "@ksm/contracts";

/**
 * The benchmark's seeded generator: the project's SplitMix32 with the helpers workloads
 * need. Every random choice of the benchmark goes through it, never `Math.random`, so the
 * same seed gives the same scenarios and results, bit for bit.
 */
export class Rng extends SplitMix32 {
  /** @param seed any integer (only its low 32 bits matter, mixed with the high ones). */
  constructor(seed: number) {
    super((seed ^ Math.floor(seed / 0x1_0000_0000) ^ 0x6a09e667) >>> 0);
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** Shuffles `items` in place (Fisher–Yates) and returns it. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = items[i]!;
      items[i] = items[j]!;
      items[j] = t;
    }
    return items;
  }

  /** A new generator derived from this seed and a stream number (independent choices per purpose). */
  fork(stream: number): Rng {
    return new Rng((this.next() ^ Math.imul(stream + 1, 0x27d4eb2f)) >>> 0);
  }
}
