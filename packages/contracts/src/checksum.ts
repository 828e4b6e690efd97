/**
 * The page checksum ksmd uses as a volatility filter (`calc_checksum`): a page joins the
 * unstable tree only when its checksum is unchanged since the previous visit. Linux 6.18
 * uses the low 32 bits of XXH64(page, seed 0); kernels before 5.0 used jhash2.
 */
export interface ChecksumPolicy {
  /** Name, as the CLI spells it. */
  readonly name: string;
  /** The 32-bit checksum of a 4096-byte page. */
  checksum(page: Uint8Array): number;
  /**
   * Optional: the checksum of a page given by its 512 little-endian 64-bit words, always
   * `checksum()` of those 4096 bytes. Every word is `hi`·2^32 + `lo` (unsigned 32-bit
   * halves) but at the `count` slots listed in `patches` as triples: the slot (0–511, in
   * increasing order), then the low and the high half of its word. A policy that can hash
   * such a page without its bytes supplies it, and the core then skips building pattern,
   * unique and near-duplicate pages (most of what scenarios write).
   */
  checksumWords?(lo: number, hi: number, patches: Uint32Array, count: number): number;
  /**
   * True when the policy never reports a change (`none`): ksmd then skips computing it,
   * and every page is treated as stable from its first visit.
   */
  readonly constant?: boolean;
  /**
   * What one checksum costs, measured by the policy's package benchmark: the bytes of the
   * page it reads, and nanoseconds per byte read (Node 20 on the project's machine). The
   * bench's cost model scales the calibrated kernel's hashing cost by it, so variants that
   * read less, or hash faster, cost less. Absent: as xxhash.
   */
  readonly cost?: ChecksumCost;
}

/** See {@link ChecksumPolicy.cost}. */
export interface ChecksumCost {
  readonly bytesRead: number;
  readonly nsPerByte: number;
}
