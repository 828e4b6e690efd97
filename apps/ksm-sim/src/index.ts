export { firstDifference } from "./compare.js";
export {
  REPORTED_COUNTERS,
  type ReportRecord,
  type SimRecord,
  toJsonLine,
  type VerifyRecord,
} from "./records.js";
export { type CliIo, runCli } from "./run-cli.js";
export { type SimulationOptions, StepError, simulate, validateKnob } from "./simulate.js";
export { buildSimulation, listPolicies, PolicyError, type PolicyChoice, type PolicyListing } from "./registry.js";
