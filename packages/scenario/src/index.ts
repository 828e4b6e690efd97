export { contentSource, expandContent } from "./contents.js";
export { ScenarioError } from "./errors.js";
export { parseScenario } from "./parse.js";
export { mappedRuns, type RunProcess, type RunRegion, type StepRange, UNMAPPED } from "./run-process.js";
export { ScenarioMemory } from "./runner.js";
export type {
  KnobValidator,
  KsmStepDef,
  MemoryHost,
  MemoryStepDef,
  StepDef,
  StepHost,
  StepOf,
} from "./steps/define.js";
export { runStep, STEPS } from "./steps/index.js";
export type * from "./types.js";
