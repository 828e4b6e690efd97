import { ScenarioError } from "../errors.js";
import type { Live, LiveRegion } from "../live-region.js";
import type { StepRange } from "../run-process.js";
import type { ScenarioMemory } from "../runner.js";
import type { Step } from "../types.js";
import { type Obj, parseRange, string } from "../validate.js";

/** Checks a knob write; returns null when fine, else what the knob accepts. */
export type KnobValidator = (name: string, value: unknown) => string | null;

/** The step of `Step` whose `op` is `K` (write and fill share one shape). */
export type StepOf<K extends Step["op"]> = Narrow<Step, K>;
type Narrow<S, K> = S extends { readonly op: infer O }
  ? K extends O
    ? S & { readonly op: K }
    : never
  : never;

/** What the parser knows while it walks the steps in order. */
export interface ParseContext {
  /** The live processes and their regions at this step (steps change it as they validate). */
  readonly live: Live;
  /** Every process name used so far, live or exited. */
  readonly everSeen: Set<string>;
  readonly validateKnob: KnobValidator;
  /** NUMA nodes of the scenario's machine. */
  readonly nodes: number;
  /** Whether the scenario is format v2. */
  readonly v2: boolean;
}

/** What a memory step runs on. */
export interface MemoryHost {
  readonly memory: ScenarioMemory;
}

/**
 * What a simulation offers the steps that drive KSM (the caller's side: `@ksm/sim` builds
 * one over its machine and ksmd). Steps that print a record return it as an iterable, so
 * that a step may print and then fail (`verify`). `index` is the step's in the scenario.
 */
export interface StepHost<R> extends MemoryHost {
  /** `scan`: ksmd runs `fullScans` full scans. */
  scan(fullScans: number): void;
  /** `settle`: full scans until the counters stop changing, at most `maxFullScans`. */
  settle(maxFullScans: number): void;
  /** `batches` (v2): ksmd runs `count` batches. */
  batches(count: number): void;
  /** `report`: the counters now. */
  report(label: string): Iterable<R>;
  /** `verify`: every page read back against what was written. */
  verify(label: string, index: number): Iterable<R>;
  /** `measure` (v1): ksmd runs until `pages_sharing` reaches the target; the time it took. */
  measure(step: StepOf<"measure">): Iterable<R>;
  /** `knob`: a write to /sys/kernel/mm/ksm. */
  knob(name: string, value: number | string | boolean, index: number): void;
  /** `swapout`: the range's pages written to swap. */
  swapout(at: StepRange): void;
  /** `migrate`: the range's pages moved to NUMA node `node`. */
  migrate(at: StepRange, node: number): void;
  /** `pressure`: reclaim until `freePages` frames are free. */
  pressure(freePages: number): void;
  /** `offline`: NUMA node `node`'s memory hot-removed. */
  offline(node: number): void;
}

/** How the parser checks one op: the part of a step definition both kinds share. */
interface StepRules {
  /** The step's fields besides `op`; any other is an error. */
  readonly fields: readonly string[];
  /** The one format version that has this op (default: both). */
  readonly format?: 1 | 2;
  /** Checks made before the fields are (their error is the more useful one). */
  readonly precheck?: (s: Obj, path: string, ctx: ParseContext) => void;
  /**
   * Checks the step's values at JSON path `path` against the scenario at this point, and
   * updates `ctx.live` as the step changes it; throws {@link ScenarioError}.
   */
  readonly validate?: (s: Obj, path: string, ctx: ParseContext) => void;
}

/** An op that changes the simulated memory only: run by `ScenarioMemory.step`. */
export interface MemoryStepDef<S> extends StepRules {
  readonly memory: true;
  run(step: S, host: MemoryHost): void;
}

/** An op that drives KSM (or reads its state): run through the caller's {@link StepHost}. */
export interface KsmStepDef<S> extends StepRules {
  readonly memory: false;
  run<R>(step: S, host: StepHost<R>, index: number): Iterable<R> | undefined;
}

/** One op: how the parser validates it and how a run carries it out. */
export type StepDef<S> = MemoryStepDef<S> | KsmStepDef<S>;

/** The live regions of the process the step names (`process`). */
export function liveProcess(s: Obj, path: string, ctx: ParseContext): Map<string, LiveRegion> {
  const name = string(s.process, `${path}.process`);
  const regions = ctx.live.get(name);
  if (!regions) throw new ScenarioError(`${path}.process`, "a live process of the scenario", name);
  return regions;
}

/** The mapped region of `regions` the step names (`region`). */
export function liveRegion(s: Obj, path: string, regions: Map<string, LiveRegion>): LiveRegion {
  const name = string(s.region, `${path}.region`);
  const r = regions.get(name);
  if (r === undefined) throw new ScenarioError(`${path}.region`, "a mapped region of that process", name);
  return r;
}

/** The step's process and region, and its [a, b) range (default the whole region). */
export function liveRange(s: Obj, path: string, ctx: ParseContext) {
  const r = liveRegion(s, path, liveProcess(s, path, ctx));
  const [a, b] = s.range === undefined ? [0, r.pages] : parseRange(s.range, `${path}.range`, r.pages);
  return { r, a, b };
}

/** An optional `label`: a non-empty string. */
export function optionalLabel(s: Obj, path: string): void {
  if (s.label !== undefined) string(s.label, `${path}.label`);
}
