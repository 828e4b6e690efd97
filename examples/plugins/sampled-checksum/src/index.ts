import { definePlugin, definePolicy, seedParam } from "@ksm/contracts";
import { sampledChecksum } from "./sampled.js";

export { sampledChecksum } from "./sampled.js";

/** The plugin: `--plugin @ksm/example-sampled-checksum --policy checksum=sampled[:bytes=N,seed=S]`. */
export const plugin = definePlugin({
  name: "@ksm/example-sampled-checksum",
  policies: {
    checksum: [
      definePolicy({
        name: "sampled",
        description:
          "a hash of `bytes` evenly spaced bytes of the page (default 64): cheap, blind between samples",
        params: {
          bytes: {
            type: "integer",
            default: 64,
            min: 4,
            max: 4096,
            description: "bytes sampled, a multiple of 4 (4-byte words at evenly spaced offsets)",
          },
          seed: seedParam("initial hash value", 0),
        },
        create: ({ bytes, seed }) => sampledChecksum(bytes, seed),
      }),
    ],
  },
});

export default plugin;
