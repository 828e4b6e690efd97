import type { ChecksumPolicy } from "@ksm/contracts";

/** Bytes in a page. */
const PAGE_SIZE = 4096;
/**
 * ns per byte read, from `node packages/policy-checksum/bench/checksum.mjs
 * examples/plugins/sampled-checksum/dist/index.js` (64 bytes: 128 ns a page; Node 20.20,
 * the project's machine, 2026-12-02). Per-call overhead dominates, so fewer bytes cost a
 * little more per byte; the bench's cost model only needs the order of magnitude.
 */
const NS_PER_BYTE = 2.0;

/**
 * A checksum of `bytes` bytes of the page (default 64): `bytes / 4` little-endian 32-bit
 * words at evenly spaced offsets, mixed with a multiply-xorshift and MurmurHash3's
 * finaliser. It reads 64 times fewer bytes than xxhash, and it cannot see a write outside
 * the sampled words: such a page counts as unchanged one visit early. Identity is still
 * decided by a full memcmp, so no merge is ever wrong, only earlier.
 */
export function sampledChecksum(bytes = 64, seed = 0): ChecksumPolicy {
  if (!Number.isInteger(bytes) || bytes < 4 || bytes > PAGE_SIZE || bytes % 4 !== 0)
    throw new RangeError(`bytes must be a multiple of 4 from 4 to ${PAGE_SIZE}, got ${bytes}`);
  const words = bytes / 4;
  const stride = PAGE_SIZE / words;
  return {
    name: "sampled",
    cost: { bytesRead: bytes, nsPerByte: NS_PER_BYTE },
    checksum(page) {
      let h = seed >>> 0;
      for (let o = 0; o < PAGE_SIZE; o += stride) {
        const w = page[o]! | (page[o + 1]! << 8) | (page[o + 2]! << 16) | (page[o + 3]! << 24);
        h = Math.imul(h ^ w, 0x9e3779b1);
        h ^= h >>> 15;
      }
      h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
      h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
      return (h ^ (h >>> 16)) >>> 0;
    },
  };
}
