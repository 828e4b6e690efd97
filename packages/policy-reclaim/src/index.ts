export { clockReclaim } from "./clock.js";
export { fifoReclaim } from "./fifo.js";
export { lruReclaim } from "./lru.js";
export { randomReclaim } from "./random.js";
