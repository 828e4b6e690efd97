export {
  type CapturedVma,
  type CaptureWorkload,
  isCaptureFile,
  loadCapture,
  type TraceStep,
} from "./capture-scenario.js";
export { firstDifference } from "./compare.js";
export {
  REPORTED_COUNTERS,
  type ReportRecord,
  type SimRecord,
  toJsonLine,
  type VerifyRecord,
} from "./records.js";
export {
  type BuiltSimulation,
  buildSimulation,
  findProfile,
  listPolicies,
  type PolicyChoice,
  PolicyError,
  type PolicyListing,
} from "./registry.js";
export { type CliIo, runCli } from "./run-cli.js";
export {
  type SimulationOptions,
  type SimulationState,
  StepError,
  simulate,
  validateKnob,
} from "./simulate.js";
