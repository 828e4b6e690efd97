import type { ChecksumCost } from "@ksm/contracts";
import { PAGE_SIZE } from "@ksm/mm";

/**
 * Each variant's cost per checksum of a 4096-byte page, from `node bench/checksum.mjs`
 * (Node 20.20, the project's 2-core AMD EPYC VM, 2026-12-02; median of 5 one-second runs
 * over 1,024 random pages). Re-run it and update these after changing a variant.
 */
export const CHECKSUM_COSTS = {
  xxhash: { bytesRead: PAGE_SIZE, nsPerByte: 0.249 },
  jhash2: { bytesRead: PAGE_SIZE, nsPerByte: 0.389 },
  crc32c: { bytesRead: PAGE_SIZE, nsPerByte: 1.943 },
  none: { bytesRead: 0, nsPerByte: 0 },
} as const satisfies Record<string, ChecksumCost>;
