export type { ChecksumCost, ChecksumPolicy } from "./checksum.js";
export {
  ABORT,
  ABORTED,
  type ContentIndex,
  type ContentIndexFactory,
  NIL,
  RESTART,
} from "./content-index.js";
export { type CostCounters, zeroCost } from "./cost.js";
export {
  checkParamSpecs,
  describeParam,
  formatPolicySpec,
  ParamError,
  type ParamInput,
  type ParamSpec,
  type ParamSpecs,
  type ParamValues,
  type PolicySpec,
  parsePolicySpec,
  resolveParams,
  seedParam,
} from "./params.js";
export {
  checkPlugin,
  definePlugin,
  definePolicy,
  type KsmPlugin,
  PluginError,
  type PluginPolicies,
  POLICY_AXES,
  type PolicyAxes,
  type PolicyAxis,
  type PolicyFactory,
} from "./plugin.js";
export type { KsmBehaviour, KsmProfile } from "./profile.js";
export { SplitMix32 } from "./random.js";
export type { ReclaimContext, ReclaimPolicy } from "./reclaim.js";
export type { PageVisit, ScanPolicy, SkipState } from "./scan.js";
export { skipAge, smartScanSkip } from "./smart-scan.js";
