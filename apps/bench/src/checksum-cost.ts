import type { ChecksumCost, CostCounters } from "@ksm/contracts";
import { PAGE_SIZE } from "@ksm/mm";
import { CHECKSUM_COSTS } from "@ksm/policy-checksum";

/** The checksum the cost model was calibrated with: the kernel's (Linux 6.18's) xxhash. */
export const REFERENCE_CHECKSUM: ChecksumCost = CHECKSUM_COSTS.xxhash;

/**
 * `bytes_hashed` as reference (xxhash) bytes, so that the calibrated ns per byte hashed
 * applies to any checksum: the checksums' share becomes checksums × bytesRead × nsPerByte /
 * xxhash's nsPerByte (a sampling checksum reads 64 bytes, crc32c costs 8 times xxhash per
 * byte in this model's JS measurements), and what an index hashed stays as it is. A checksum
 * with no declared cost counts as xxhash. Undefined when the counters have no checksums.
 */
export function referenceHashedBytes(
  cost: Readonly<Partial<CostCounters>>,
  checksum: ChecksumCost | undefined,
): number | undefined {
  if (cost.checksums === undefined || cost.bytes_hashed === undefined) return undefined;
  const c = checksum ?? REFERENCE_CHECKSUM;
  const indexBytes = Math.max(0, cost.bytes_hashed - cost.checksums * PAGE_SIZE);
  return (cost.checksums * c.bytesRead * c.nsPerByte) / REFERENCE_CHECKSUM.nsPerByte + indexBytes;
}
