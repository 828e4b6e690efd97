export { expandContent } from "./contents.js";
export { ScenarioError } from "./errors.js";
export { type KnobValidator, parseScenario } from "./parse.js";
export { type RunProcess, type RunRegion, ScenarioMemory, UNMAPPED } from "./runner.js";
export type * from "./types.js";
