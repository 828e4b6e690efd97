import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { splitmix64, splitmix64Halves, unsplitmix64 } from "../src/splitmix.js";
import { MASK64, referenceSplitmix64 } from "./helpers.js";

const u64 = fc.bigInt({ min: 0n, max: MASK64 });

describe("splitmix64", () => {
  it("matches the known vectors of SplitMix64 seeded with 0", () => {
    expect(splitmix64(0n)).toBe(0xe220a8397b1dcdafn);
    // The next outputs of the generator started at state 0 (state += golden ratio each step).
    expect(splitmix64(0x9e3779b97f4a7c15n)).toBe(0x6e789e6aa1b965f4n);
    expect(splitmix64((2n * 0x9e3779b97f4a7c15n) & MASK64)).toBe(0x06c45d188009454fn);
  });

  it("agrees with the formula of the scenario spec", () => {
    fc.assert(fc.property(u64, (s) => splitmix64(s) === referenceSplitmix64(s)));
  });

  it("splitmix64Halves is bit-identical to splitmix64", () => {
    const out = new Uint32Array(2);
    fc.assert(
      fc.property(u64, (s) => {
        splitmix64Halves(Number(s & 0xffff_ffffn), Number(s >> 32n), out);
        const w = splitmix64(s);
        expect(out[0]).toBe(Number(w & 0xffff_ffffn));
        expect(out[1]).toBe(Number(w >> 32n));
      }),
      { numRuns: 2000 },
    );
    // Carries out of the low half and wrap-around of the high half.
    for (const s of [0n, 1n, 0xffff_ffffn, 0x1_0000_0000n, 0x80b5_83eb_ffff_ffffn, MASK64, 1n << 60n]) {
      splitmix64Halves(Number(s & 0xffff_ffffn), Number(s >> 32n), out);
      expect((BigInt(out[1]!) << 32n) | BigInt(out[0]!)).toBe(splitmix64(s));
    }
  });

  it("unsplitmix64 inverts it both ways", () => {
    fc.assert(
      fc.property(u64, (s) => {
        expect(unsplitmix64(splitmix64(s))).toBe(s);
        expect(splitmix64(unsplitmix64(s))).toBe(s);
      }),
      { numRuns: 1000 },
    );
  });
});
