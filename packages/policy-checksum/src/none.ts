import type { ChecksumPolicy } from "@ksm/contracts";
import { CHECKSUM_COSTS } from "./cost.js";

/**
 * No volatility filter: the checksum is a constant, so the core never computes it and treats
 * every page as stable from its first visit (identical pages merge in the first full scan).
 * No kernel works this way; VUsion-style or "merge at once" experiments do.
 */
export function createNoChecksum(): ChecksumPolicy {
  return { name: "none", constant: true, cost: CHECKSUM_COSTS.none, checksum: () => 0 };
}
