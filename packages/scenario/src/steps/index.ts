import type { Step } from "../types.js";
import type { StepDef, StepHost, StepOf } from "./define.js";
import { batches, knob, measure, scan, settle } from "./ksmd.js";
import { mmap, mremap, munmap } from "./mapping.js";
import { dontneed, hugepage, madvise, mprotect, read, write } from "./pages.js";
import { exit, fork, prctl } from "./process.js";
import { report, verify } from "./report.js";
import { migrate, offline, pressure, swapout } from "./swap.js";

/**
 * Every op of the scenario formats, in the order an error lists them: how the parser
 * validates each and how a run carries it out. Adding an op is one entry here (and its
 * shape in `Step`).
 */
export const STEPS: { readonly [K in Step["op"]]: StepDef<StepOf<K>> } = {
  scan,
  settle,
  report,
  write,
  fill: write,
  madvise,
  fork,
  exit,
  munmap,
  prctl,
  knob,
  verify,
  measure,
  swapout,
  read,
  migrate,
  pressure,
  offline,
  batches,
  dontneed,
  hugepage,
  mprotect,
  mmap,
  mremap,
};

/** The definition of the op `op`. */
export function stepDef(op: Step["op"]): StepDef<Step> {
  return STEPS[op] as StepDef<Step>;
}

/**
 * Runs one step of a validated scenario: a memory step on `host.memory`, a KSM step
 * through `host`; returns the records it prints, if any. `index` is the step's in the scenario.
 */
export function runStep<R>(step: Step, host: StepHost<R>, index: number): Iterable<R> | undefined {
  const def = stepDef(step.op);
  if (def.memory) return void def.run(step, host);
  return def.run(step, host, index);
}
