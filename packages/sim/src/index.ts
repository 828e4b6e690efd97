export { firstDifference } from "./compare.js";
export { loadPlugin, loadPlugins } from "./load-plugin.js";
export { ignoredKnobsNote, type PreparedScenario, prepareScenario } from "./prepare.js";
export { packageVersion, runAsProcess, useAnsi } from "./process.js";
export {
  REPORTED_COUNTERS,
  type ReportRecord,
  type SimRecord,
  toJsonLine,
  V2_REPORTED_COUNTERS,
  type VerifyRecord,
} from "./records.js";
export {
  BUILTIN_PLUGINS,
  type BuiltSimulation,
  buildSimulation,
  findProfile,
  listPolicies,
  type PolicyChoice,
  PolicyError,
  type PolicyListing,
  type ProfileListing,
  type VariantListing,
} from "./registry.js";
export {
  type SimulationOptions,
  type SimulationState,
  StepError,
  simulate,
  validateKnob,
} from "./simulate.js";
export {
  type TimedSteps,
  type TimelineKnobs,
  type TimelinePoint,
  timeline,
  timelineKnobs,
} from "./timeline.js";
