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
   * True when the policy never reports a change (`none`): ksmd then skips computing it,
   * and every page is treated as stable from its first visit.
   */
  readonly constant?: boolean;
}
