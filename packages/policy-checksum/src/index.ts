export { createXxhashChecksum } from "./xxhash.js";
