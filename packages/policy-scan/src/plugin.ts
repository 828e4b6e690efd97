import { definePlugin, definePolicy, seedParam } from "@ksm/contracts";
import { adaptiveScan } from "./adaptive.js";
import { linearScan } from "./linear.js";
import { randomScan } from "./random.js";
import { smartScan } from "./smart.js";

/** The scan policies as a plugin: `--policy scan=linear|smart|random[:seed=N]|adaptive[:…]`. */
export const plugin = definePlugin({
  name: "@ksm/policy-scan",
  policies: {
    scan: [
      definePolicy({
        name: "linear",
        description: "every page every full scan (the kernel with smart_scan=0)",
        create: linearScan,
      }),
      definePolicy({
        name: "smart",
        description: "the kernel's smart scan: skip pages that keep failing (6.7+)",
        create: smartScan,
      }),
      definePolicy({
        name: "random",
        description: "mm list in a seeded random order at each full scan (pages skipped as smart_scan says)",
        params: {
          seed: seedParam("seed of the permutations"),
        },
        create: ({ seed }) => randomScan({ seed }),
      }),
      definePolicy({
        name: "adaptive",
        description: "per-VMA scan intervals from observed merges and volatility (in the spirit of UKSM)",
        params: {
          maxInterval: {
            type: "integer",
            default: 8,
            min: 1,
            max: 1024,
            description: "longest interval, in full scans, between two scans of a VMA",
          },
          volatileShare: {
            type: "number",
            default: 0.5,
            min: 0,
            max: 1,
            description: "share of volatile pages that doubles a VMA's interval",
          },
          forgetAfter: {
            type: "integer",
            default: 64,
            min: 1,
            description: "full scans after which an unseen VMA's record is dropped",
          },
        },
        create: (params) => adaptiveScan(params),
      }),
    ],
  },
});
