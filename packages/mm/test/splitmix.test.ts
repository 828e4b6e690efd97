import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { splitmix64, splitmix64Halves, unsplitmix64 } from "../src/splitmix.js";

const word = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });

describe("splitmix64", () => {
  it("is the reference splitmix64 (Steele, Lea, Flood) on known seeds", () => {
    // the first outputs of the reference generator seeded with 0 (state += golden ratio
    // before each output): seeds 0, golden, 2 × golden
    expect(splitmix64(0n)).toBe(0xe220a8397b1dcdafn);
    expect(splitmix64(0x9e3779b97f4a7c15n)).toBe(0x6e789e6aa1b965f4n);
    expect(splitmix64((2n * 0x9e3779b97f4a7c15n) & ((1n << 64n) - 1n))).toBe(0x06c45d188009454fn);
  });

  it("is undone by unsplitmix64 (a bijection on 64-bit words)", () => {
    fc.assert(
      fc.property(word, (s) => {
        expect(unsplitmix64(splitmix64(s))).toBe(s);
        expect(splitmix64(unsplitmix64(s))).toBe(s);
      }),
    );
  });

  it("in 32-bit halves, is bit-identical to the BigInt version", () => {
    const out = new Uint32Array(2);
    fc.assert(
      fc.property(word, (s) => {
        splitmix64Halves(Number(s & 0xffff_ffffn), Number(s >> 32n), out);
        const z = splitmix64(s);
        expect([out[0], out[1]]).toEqual([Number(z & 0xffff_ffffn), Number(z >> 32n)]);
      }),
    );
  });
});
