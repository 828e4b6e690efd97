import { definePlugin, definePolicy } from "@ksm/contracts";
import { createCrc32cChecksum } from "./crc32c.js";
import { createJhash2Checksum } from "./jhash2.js";
import { createNoChecksum } from "./none.js";
import { createXxhashChecksum } from "./xxhash.js";

/** The checksum variants as a plugin: `--policy checksum=xxhash|jhash2|crc32c|none`. */
export const plugin = definePlugin({
  name: "@ksm/policy-checksum",
  policies: {
    checksum: [
      definePolicy({
        name: "xxhash",
        description: "low 32 bits of XXH64(page, seed 0), Linux 5.0+",
        create: createXxhashChecksum,
      }),
      definePolicy({
        name: "jhash2",
        description: "jhash2(page, 1024 words, initval 17), Linux 2.6.32 to 4.20",
        create: createJhash2Checksum,
      }),
      definePolicy({
        name: "crc32c",
        description: "CRC-32C (Castagnoli) of the page; no kernel's, hardware-friendly",
        create: createCrc32cChecksum,
      }),
      definePolicy({
        name: "none",
        description: "no volatility filter: every page stable at its first visit",
        create: createNoChecksum,
      }),
    ],
  },
});
