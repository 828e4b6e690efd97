import { SplitMix32 } from "@ksm/contracts";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

const draws = (g: SplitMix32, n: number, f: (g: SplitMix32) => number) =>
  Array.from({ length: n }, () => f(g));

describe("SplitMix32", () => {
  it("repeats bit for bit from a seed, and two seeds give different streams", () => {
    expect(draws(new SplitMix32(7), 8, (g) => g.next())).toEqual(
      draws(new SplitMix32(7), 8, (g) => g.next()),
    );
    expect(draws(new SplitMix32(7), 8, (g) => g.next())).not.toEqual(
      draws(new SplitMix32(8), 8, (g) => g.next()),
    );
  });

  it("takes the seed modulo 2^32, as an unsigned 32-bit word", () => {
    expect(new SplitMix32(-1).next()).toBe(new SplitMix32(0xffff_ffff).next());
    expect(new SplitMix32(2 ** 32 + 5).next()).toBe(new SplitMix32(5).next());
  });

  it("draws unsigned 32-bit words, floats in [0, 1) and integers below n (property)", () => {
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 1, max: 2 ** 32 }), (seed, n) => {
        const g = new SplitMix32(seed);
        for (let i = 0; i < 20; i++) {
          const x = g.next();
          expect(Number.isInteger(x) && x >= 0 && x < 2 ** 32).toBe(true);
          const f = g.float();
          expect(f >= 0 && f < 1).toBe(true);
          const b = g.below(n);
          expect(Number.isInteger(b) && b >= 0 && b < n).toBe(true);
        }
      }),
    );
  });

  it("spreads below(n) over every value (no value of 0..5 missing or twice as common in 6,000 draws)", () => {
    const g = new SplitMix32(1);
    const counts = new Array(6).fill(0);
    for (let i = 0; i < 6000; i++) counts[g.below(6)]++;
    for (const c of counts) expect(c).toBeGreaterThan(800);
    for (const c of counts) expect(c).toBeLessThan(1200);
  });
});
