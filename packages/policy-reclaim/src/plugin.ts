import { definePlugin, definePolicy, seedParam } from "@ksm/contracts";
import { clockReclaim } from "./clock.js";
import { fifoReclaim } from "./fifo.js";
import { lruReclaim } from "./lru.js";
import { randomReclaim } from "./random.js";

/** The reclaim policies as a plugin: `--policy reclaim=lru|clock|fifo|random[:seed=N]`. */
export const plugin = definePlugin({
  name: "@ksm/policy-reclaim",
  policies: {
    reclaim: [
      definePolicy({
        name: "lru",
        description: "active/inactive lists with referenced bits, as the kernel (default)",
        create: lruReclaim,
      }),
      definePolicy({
        name: "clock",
        description: "CLOCK second chance over frames in order",
        create: clockReclaim,
      }),
      definePolicy({
        name: "fifo",
        description: "oldest allocation first, use ignored",
        create: fifoReclaim,
      }),
      definePolicy({
        name: "random",
        description: "uniform victims from a seeded generator",
        params: {
          seed: seedParam("seed of the victim draws"),
        },
        create: ({ seed }) => randomReclaim(seed),
      }),
    ],
  },
});
