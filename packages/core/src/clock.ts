/**
 * ksmd's simulated clock: its sleeps plus its modeled CPU time. Stable-node chains read it
 * (their prune interval); ksmd advances it.
 */
export interface KsmClock {
  /** Simulated time, ms. */
  now: number;
  /** Modeled ksmd CPU time so far, ns. */
  cpuNs: number;
}
