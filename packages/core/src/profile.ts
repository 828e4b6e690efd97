import type { KsmProfile } from "@ksm/contracts";

/** Linux 6.18: the kernel on this project's machines, and the model's default. */
export const LINUX_6_18: KsmProfile = {
  name: "linux-6.18",
  description: "Linux 6.18 KSM (xxhash, chains, zero pages, smart scan, checksum before stable search)",
  policies: { checksum: "xxhash", tree: "rbtree" },
  knobs: {},
  behaviour: {
    stableSearchBeforeChecksum: false,
    chains: true,
    zeroPages: true,
    smartScan: true,
    forkResetsCounters: true,
  },
};
