/**
 * splitmix64 in 32-bit halves, so that hot paths never allocate BigInts.
 *
 * Scenario v1 defines a pattern page as the 8-byte little-endian word `splitmix64(S)`
 * repeated 512 times; this module computes that word.
 */

const MASK64 = (1n << 64n) - 1n;
const GOLDEN = 0x9e3779b97f4a7c15n;
const M1 = 0xbf58476d1ce4e5b9n;
const M2 = 0x94d049bb133111ebn;

/** splitmix64 of a 64-bit seed, as a BigInt. */
export function splitmix64(seed: bigint): bigint {
  let z = (seed + GOLDEN) & MASK64;
  z = ((z ^ (z >> 30n)) * M1) & MASK64;
  z = ((z ^ (z >> 27n)) * M2) & MASK64;
  return z ^ (z >> 31n);
}

function inverseOdd(a: bigint): bigint {
  // Newton iteration for the inverse of an odd number modulo 2^64.
  let x = a;
  for (let i = 0; i < 6; i++) x = (x * (2n - a * x)) & MASK64;
  return x;
}
const M1_INV = inverseOdd(M1);
const M2_INV = inverseOdd(M2);

function unxorShift(z: bigint, s: bigint): bigint {
  let x = z;
  for (let k = s; k < 64n; k += s) x ^= z >> k;
  return x & MASK64;
}

/** The seed whose splitmix64 is `word` (splitmix64 is a bijection on 64-bit words). */
export function unsplitmix64(word: bigint): bigint {
  let z = unxorShift(word & MASK64, 31n);
  z = (z * M2_INV) & MASK64;
  z = unxorShift(z, 27n);
  z = (z * M1_INV) & MASK64;
  z = unxorShift(z, 30n);
  return (z - GOLDEN) & MASK64;
}

/** Low 32 bits of the 64-bit product of two 64-bit numbers given as (lo, hi) halves. */
function mulLo(alo: number, ahi: number, blo: number, bhi: number, out: Uint32Array): void {
  const a0 = alo & 0xffff;
  const a1 = alo >>> 16;
  const b0 = blo & 0xffff;
  const b1 = blo >>> 16;
  const p00 = a0 * b0;
  const mid = (p00 >>> 16) + a1 * b0;
  const mid2 = (mid & 0xffff) + a0 * b1;
  const lo = ((mid2 & 0xffff) << 16) | (p00 & 0xffff);
  const carry = Math.floor(mid / 65536) + Math.floor(mid2 / 65536) + a1 * b1;
  out[0] = lo >>> 0;
  out[1] = (carry + Math.imul(alo, bhi) + Math.imul(ahi, blo)) >>> 0;
}

const scratch = new Uint32Array(2);

/**
 * splitmix64 of the seed (seedLo + seedHi * 2^32), written as (lo, hi) into `out`.
 * Bit-identical to {@link splitmix64}; used where millions of words are needed.
 */
export function splitmix64Halves(seedLo: number, seedHi: number, out: Uint32Array): void {
  // x = seed + GOLDEN
  let lo = (seedLo >>> 0) + 0x7f4a7c15;
  let hi = ((seedHi >>> 0) + 0x9e3779b9 + (lo > 0xffffffff ? 1 : 0)) >>> 0;
  lo >>>= 0;
  // z = (x ^ (x >> 30)) * M1
  let xlo = (lo ^ ((lo >>> 30) | (hi << 2))) >>> 0;
  let xhi = (hi ^ (hi >>> 30)) >>> 0;
  mulLo(xlo, xhi, 0x1ce4e5b9, 0xbf58476d, scratch);
  lo = scratch[0]!;
  hi = scratch[1]!;
  // z = (z ^ (z >> 27)) * M2
  xlo = (lo ^ ((lo >>> 27) | (hi << 5))) >>> 0;
  xhi = (hi ^ (hi >>> 27)) >>> 0;
  mulLo(xlo, xhi, 0x133111eb, 0x94d049bb, scratch);
  lo = scratch[0]!;
  hi = scratch[1]!;
  // z ^ (z >> 31)
  out[0] = (lo ^ ((lo >>> 31) | (hi << 1))) >>> 0;
  out[1] = (hi ^ (hi >>> 31)) >>> 0;
}
