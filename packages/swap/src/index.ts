export { migrateRange, offlineNode } from "./migrate.js";
export { frameAt, reclaimFrame, reclaimUntilFree, swapOutRange } from "./reclaim.js";
