export { clockReclaim } from "./clock.js";
export { fifoReclaim } from "./fifo.js";
export { lruReclaim } from "./lru.js";
export { plugin, plugin as default } from "./plugin.js";
export { randomReclaim } from "./random.js";
