import type { ChecksumPolicy } from "@ksm/contracts";
import { CHECKSUM_COSTS } from "./cost.js";

/** CRC-32C (Castagnoli) reflected polynomial. */
const POLY = 0x82f63b78;

/** Slicing-by-8 tables: TABLES[k * 256 + b]. */
const TABLES = (() => {
  const t = new Uint32Array(8 * 256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t[i] = c;
  }
  for (let i = 0; i < 256; i++) {
    let c = t[i]!;
    for (let k = 1; k < 8; k++) {
      c = t[c & 0xff]! ^ (c >>> 8);
      t[k * 256 + i] = c;
    }
  }
  return t;
})();

/**
 * CRC-32C (Castagnoli: reflected polynomial 0x82F63B78, initial value ~0, final xor ~0), the
 * checksum of iSCSI, ext4 metadata and btrfs, with SSE 4.2 hardware support. Never Linux
 * KSM's; a cheaper-in-hardware alternative for comparing checksum costs.
 * `crc32c(ascii "123456789") === 0xE3069283`.
 */
export function crc32c(data: Uint8Array, crc = 0): number {
  let c = ~crc;
  const n = data.length;
  let i = 0;
  const T = TABLES;
  for (; i + 8 <= n; i += 8) {
    const lo = c ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24));
    const hi = data[i + 4]! | (data[i + 5]! << 8) | (data[i + 6]! << 16) | (data[i + 7]! << 24);
    c =
      T[7 * 256 + (lo & 0xff)]! ^
      T[6 * 256 + ((lo >>> 8) & 0xff)]! ^
      T[5 * 256 + ((lo >>> 16) & 0xff)]! ^
      T[4 * 256 + (lo >>> 24)]! ^
      T[3 * 256 + (hi & 0xff)]! ^
      T[2 * 256 + ((hi >>> 8) & 0xff)]! ^
      T[256 + ((hi >>> 16) & 0xff)]! ^
      T[hi >>> 24]!;
  }
  for (; i < n; i++) c = T[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** The page checksum as CRC-32C of its 4096 bytes (not a kernel choice; see the README). */
export function createCrc32cChecksum(): ChecksumPolicy {
  return { name: "crc32c", cost: CHECKSUM_COSTS.crc32c, checksum: (page) => crc32c(page) };
}
