import type { ChecksumPolicy } from "@ksm/contracts";
import { CHECKSUM_COSTS } from "./cost.js";

/** The initval Linux's `calc_checksum` passed to `jhash2` before 5.0. */
export const KSM_JHASH2_INITVAL = 17;
/** lookup3's (and `include/linux/jhash.h`'s) `JHASH_INITVAL`. */
const JHASH_INITVAL = 0xdeadbeef;

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Bob Jenkins' lookup3 `hashword()`, as `include/linux/jhash.h` defines `jhash2(k, length,
 * initval)`: `length` 32-bit words of `words`, starting at word `offset`.
 */
export function jhash2(
  words: Uint32Array | readonly number[],
  length: number,
  initval: number,
  offset = 0,
): number {
  let a = (JHASH_INITVAL + (length << 2) + initval) | 0;
  let b = a;
  let c = a;
  let i = offset;
  let n = length;
  while (n > 3) {
    a = (a + words[i]!) | 0;
    b = (b + words[i + 1]!) | 0;
    c = (c + words[i + 2]!) | 0;
    // __jhash_mix
    a = (a - c) | 0;
    a ^= (c << 4) | (c >>> 28);
    c = (c + b) | 0;
    b = (b - a) | 0;
    b ^= (a << 6) | (a >>> 26);
    a = (a + c) | 0;
    c = (c - b) | 0;
    c ^= (b << 8) | (b >>> 24);
    b = (b + a) | 0;
    a = (a - c) | 0;
    a ^= (c << 16) | (c >>> 16);
    c = (c + b) | 0;
    b = (b - a) | 0;
    b ^= (a << 19) | (a >>> 13);
    a = (a + c) | 0;
    c = (c - b) | 0;
    c ^= (b << 4) | (b >>> 28);
    b = (b + a) | 0;
    n -= 3;
    i += 3;
  }
  if (n === 0) return c >>> 0;
  if (n === 3) c = (c + words[i + 2]!) | 0;
  if (n >= 2) b = (b + words[i + 1]!) | 0;
  a = (a + words[i]!) | 0;
  // __jhash_final
  c ^= b;
  c = (c - ((b << 14) | (b >>> 18))) | 0;
  a ^= c;
  a = (a - ((c << 11) | (c >>> 21))) | 0;
  b ^= a;
  b = (b - ((a << 25) | (a >>> 7))) | 0;
  c ^= b;
  c = (c - ((b << 16) | (b >>> 16))) | 0;
  a ^= c;
  a = (a - ((c << 4) | (c >>> 28))) | 0;
  b ^= a;
  b = (b - ((a << 14) | (a >>> 18))) | 0;
  c ^= b;
  c = (c - ((b << 24) | (b >>> 8))) | 0;
  return c >>> 0;
}

/**
 * The page checksum of Linux 2.6.32 to 4.20: `jhash2((u32 *)page, PAGE_SIZE / 4, 17)`, the
 * page read as little-endian 32-bit words (x86). Replaced by xxhash in 5.0.
 */
export function createJhash2Checksum(): ChecksumPolicy {
  let scratch = new Uint32Array(0);
  return {
    name: "jhash2",
    cost: CHECKSUM_COSTS.jhash2,
    checksum(page) {
      const n = page.length >>> 2;
      if (LITTLE_ENDIAN && page.byteOffset % 4 === 0)
        return jhash2(new Uint32Array(page.buffer, page.byteOffset, n), n, KSM_JHASH2_INITVAL);
      if (scratch.length < n) scratch = new Uint32Array(n);
      const view = new DataView(page.buffer, page.byteOffset, page.byteLength);
      for (let i = 0; i < n; i++) scratch[i] = view.getUint32(i * 4, true);
      return jhash2(scratch, n, KSM_JHASH2_INITVAL);
    },
  };
}
