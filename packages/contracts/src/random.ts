/**
 * SplitMix32 (Steele, Lea and Flood's SplitMix, with 32-bit constants from MurmurHash3's
 * finaliser): a small seeded generator whose output depends only on the seed and the number
 * of draws, so runs repeat bit for bit. Plugins and benchmarks that choose at random draw
 * from it, never from `Math.random`.
 */
export class SplitMix32 {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** The next 32-bit unsigned draw. */
  next(): number {
    this.state = (this.state + 0x9e3779b9) >>> 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  }

  /** A float in [0, 1). */
  float(): number {
    return this.next() / 0x1_0000_0000;
  }

  /** A uniform integer in [0, n), n ≤ 2^32 (rejection sampling: no modulo bias). */
  below(n: number): number {
    const limit = 0x1_0000_0000 - (0x1_0000_0000 % n);
    for (;;) {
      const x = this.next();
      if (x < limit) return x % n;
    }
  }
}
