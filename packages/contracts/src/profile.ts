/**
 * A kernel era: the default policies and knobs, and the behaviours that changed.
 * Profiles are data; the core reads the behaviour flags.
 */
export interface KsmProfile {
  /** Name, as the CLI spells it (`linux-6.18`). */
  readonly name: string;
  /** One line for `ksm-sim policies`. */
  readonly description: string;
  /** Policy variant per axis when the user picks none (`{checksum: "jhash2"}`). */
  readonly policies: Readonly<Record<string, string>>;
  /** Knob values the era starts with, and knobs it does not have (`null`). */
  readonly knobs: Readonly<Record<string, number | null>>;
  readonly behaviour: KsmBehaviour;
  /**
   * CONFIG_HZ of the kernel's build: ksmd sleeps in its jiffies (`msecs_to_jiffies`), so
   * it sets how long a `sleep_millisecs` lasts. Default 250 (`KERNEL_HZ` of @ksm/core).
   */
  readonly hz?: number;
}

/** Behaviours that differ between kernel versions. */
export interface KsmBehaviour {
  /**
   * Search the stable tree before the checksum test (before 6.11, commit d58a361b0350), so a
   * page identical to a KSM page merges at its first visit.
   */
  readonly stableSearchBeforeChecksum: boolean;
  /** Stable-node chains for max_page_sharing (4.13+); without them a KSM page has no limit. */
  readonly chains: boolean;
  /** use_zero_pages exists (4.11+). */
  readonly zeroPages: boolean;
  /** smart_scan exists (6.7+). */
  readonly smartScan: boolean;
  /** fork resets the child's KSM counters and adds its zero pages to the global count (6.18). */
  readonly forkResetsCounters: boolean;
}
