export { CHECKSUM_COSTS } from "./cost.js";
export { crc32c, createCrc32cChecksum } from "./crc32c.js";
export { createJhash2Checksum, jhash2, KSM_JHASH2_INITVAL } from "./jhash2.js";
export { createNoChecksum } from "./none.js";
export { plugin, plugin as default } from "./plugin.js";
export { createXxhashChecksum } from "./xxhash.js";
