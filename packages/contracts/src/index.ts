export type { ChecksumPolicy } from "./checksum.js";
export {
  ABORT,
  ABORTED,
  type ContentIndex,
  type ContentIndexFactory,
  NIL,
  RESTART,
} from "./content-index.js";
export { type CostCounters, zeroCost } from "./cost.js";
export type { KsmBehaviour, KsmProfile } from "./profile.js";
export { SplitMix32 } from "./random.js";
export type { ReclaimContext, ReclaimPolicy } from "./reclaim.js";
export type { PageVisit, ScanPolicy, SkipState } from "./scan.js";
