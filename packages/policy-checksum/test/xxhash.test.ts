import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createXxhashChecksum } from "../src/index.js";

const M = (1n << 64n) - 1n;
const P1 = 0x9e3779b185ebca87n;
const P2 = 0xc2b2ae3d27d4eb4fn;
const P3 = 0x165667b19e3779f9n;
const P4 = 0x85ebca77c2b2ae63n;
const P5 = 0x27d4eb2f165667c5n;
const rotl = (x: bigint, r: bigint) => ((x << r) | (x >> (64n - r))) & M;
const round = (acc: bigint, input: bigint) => (rotl((acc + input * P2) & M, 31n) * P1) & M;
const merge = (acc: bigint, v: bigint) => ((acc ^ round(0n, v)) * P1 + P4) & M;

/** XXH64 straight from its specification, in BigInt: a reference for the wasm build. */
function xxh64(data: Uint8Array, seed = 0n): bigint {
  const view = new DataView(data.buffer, data.byteOffset, data.length);
  const n = data.length;
  let i = 0;
  let h: bigint;
  if (n >= 32) {
    let v1 = (seed + P1 + P2) & M;
    let v2 = (seed + P2) & M;
    let v3 = seed;
    let v4 = (seed - P1) & M;
    for (; i + 32 <= n; i += 32) {
      v1 = round(v1, view.getBigUint64(i, true));
      v2 = round(v2, view.getBigUint64(i + 8, true));
      v3 = round(v3, view.getBigUint64(i + 16, true));
      v4 = round(v4, view.getBigUint64(i + 24, true));
    }
    h = (rotl(v1, 1n) + rotl(v2, 7n) + rotl(v3, 12n) + rotl(v4, 18n)) & M;
    h = merge(merge(merge(merge(h, v1), v2), v3), v4);
  } else h = (seed + P5) & M;
  h = (h + BigInt(n)) & M;
  for (; i + 8 <= n; i += 8) h = (rotl(h ^ round(0n, view.getBigUint64(i, true)), 27n) * P1 + P4) & M;
  if (i + 4 <= n) {
    h = (rotl(h ^ ((BigInt(view.getUint32(i, true)) * P1) & M), 23n) * P2 + P3) & M;
    i += 4;
  }
  for (; i < n; i++) h = (rotl(h ^ ((BigInt(data[i]!) * P5) & M), 11n) * P1) & M;
  h = ((h ^ (h >> 33n)) * P2) & M;
  h = ((h ^ (h >> 29n)) * P3) & M;
  return h ^ (h >> 32n);
}

describe("xxhash checksum", async () => {
  const policy = await createXxhashChecksum();

  it("the reference agrees with the published vector XXH64('') = 0xEF46DB3751D8E999", () => {
    expect(xxh64(new Uint8Array(0))).toBe(0xef46db3751d8e999n);
  });

  it("is the low 32 bits of XXH64(page, seed 0)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 4096, maxLength: 4096 }), (page) => {
        expect(policy.checksum(page)).toBe(Number(xxh64(page) & 0xffff_ffffn));
      }),
      { numRuns: 50 },
    );
  });

  it("hashes a page given by its words without its bytes, to the same checksum", () => {
    const page = new Uint8Array(4096);
    const words = new DataView(page.buffer);
    const patches = new Uint32Array(3 * 512);
    /** The page of (lo, hi) but at `slots`: (slot, low half, high half), slots increasing. */
    const check = (lo: number, hi: number, slots: [number, number, number][]) => {
      for (let i = 0; i < 4096; i += 8) {
        words.setUint32(i, lo, true);
        words.setUint32(i + 4, hi, true);
      }
      slots.forEach(([slot, plo, phi], k) => {
        words.setUint32(slot * 8, plo, true);
        words.setUint32(slot * 8 + 4, phi, true);
        patches.set([slot, plo, phi], 3 * k);
      });
      expect(policy.checksumWords!(lo, hi, patches, slots.length)).toBe(Number(xxh64(page) & 0xffff_ffffn));
    };
    const edges = [0, 1, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff];
    for (const lo of edges) for (const hi of edges) check(lo, hi, []);
    // every lane of a stripe, the first and the last slot, neighbouring stripes, all 512
    check(5, 6, [[0, 1, 2]]);
    check(5, 6, [[511, 1, 2]]);
    check(
      5,
      6,
      [0, 1, 2, 3, 4, 8, 511].map((s) => [s, s * 3, ~s >>> 0]),
    );
    check(
      5,
      6,
      Array.from({ length: 512 }, (_, s) => [s, s, 512 - s]),
    );
    const u32 = fc.nat({ max: 0xffff_ffff });
    fc.assert(
      fc.property(
        u32,
        u32,
        fc.uniqueArray(fc.tuple(fc.nat({ max: 511 }), u32, u32), { selector: (t) => t[0], maxLength: 70 }),
        (lo, hi, slots) =>
          check(
            lo,
            hi,
            slots.sort((a, b) => a[0] - b[0]),
          ),
      ),
      { numRuns: 100 },
    );
  });

  it("gives the zero page the checksum the kernel computes at init", () => {
    const zero = new Uint8Array(4096);
    expect(policy.checksum(zero)).toBe(Number(xxh64(zero) & 0xffff_ffffn));
    expect(policy.name).toBe("xxhash");
  });
});
