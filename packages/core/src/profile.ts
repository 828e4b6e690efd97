import type { KsmProfile } from "@ksm/contracts";
import { KERNEL_HZ } from "./ksmd-sleep.js";

/** Linux 6.18: the kernel on this project's machines, and the model's default. */
export const LINUX_6_18: KsmProfile = {
  name: "linux-6.18",
  description: "Linux 6.18 KSM (xxhash, chains, zero pages, smart scan, checksum before stable search)",
  policies: { checksum: "xxhash", tree: "rbtree" },
  knobs: {},
  hz: KERNEL_HZ,
  behaviour: {
    stableSearchBeforeChecksum: false,
    chains: true,
    zeroPages: true,
    smartScan: true,
    forkResetsCounters: true,
  },
};

/**
 * Linux 2.6.32, the first KSM (December 2009): madvise only, jhash2 checksum, the stable tree
 * searched before the checksum test, no stable-node chains (a KSM page takes any number of
 * mappings), no zero-page merging, no smart scan, no advisor, no NUMA trees. Every difference
 * and its source: packages/core/PROFILES.md.
 */
export const LINUX_2_6_32: KsmProfile = {
  name: "linux-2.6.32",
  description:
    "Linux 2.6.32, the original madvise KSM (jhash2, stable tree searched first, no chains or zero pages)",
  policies: { checksum: "jhash2", tree: "rbtree" },
  knobs: {
    use_zero_pages: null,
    max_page_sharing: null,
    merge_across_nodes: null,
    smart_scan: null,
    stable_node_chains_prune_millisecs: null,
    advisor_mode: null,
    advisor_max_cpu: null,
    advisor_min_pages_to_scan: null,
    advisor_max_pages_to_scan: null,
    advisor_target_scan_time: null,
  },
  behaviour: {
    stableSearchBeforeChecksum: true,
    chains: false,
    zeroPages: false,
    smartScan: false,
    forkResetsCounters: false,
  },
};

/** Every kernel profile, the default first. */
export const PROFILES: readonly KsmProfile[] = [LINUX_6_18, LINUX_2_6_32];
