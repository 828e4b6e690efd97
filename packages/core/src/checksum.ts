/**
 * The page checksum ksmd uses as a volatility filter (`calc_checksum`). Linux 6.18 uses the
 * low 32 bits of XXH64(page, seed 0); implementations come from policy packages.
 */
export interface ChecksumPolicy {
  /** Name, as the CLI spells it. */
  readonly name: string;
  /** The 32-bit checksum of 4096 bytes. */
  checksum(page: Uint8Array): number;
}
