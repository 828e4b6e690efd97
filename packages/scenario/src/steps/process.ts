import { ScenarioError } from "../errors.js";
import type { RunRegion } from "../run-process.js";
import { boolean, string } from "../validate.js";
import { liveProcess, type MemoryStepDef, type StepOf } from "./define.js";

/** `fork`: `child`, a new process name, gets a copy of the process's memory. */
export const fork: MemoryStepDef<StepOf<"fork">> = {
  memory: true,
  fields: ["process", "child"],
  validate(s, path, ctx) {
    const regions = liveProcess(s, path, ctx);
    const child = string(s.child, `${path}.child`);
    if (ctx.everSeen.has(child))
      throw new ScenarioError(`${path}.child`, "a process name not used before", child);
    ctx.everSeen.add(child);
    ctx.live.set(
      child,
      new Map([...regions].map(([k, r]) => [k, { pages: r.pages, prot: r.prot?.slice() ?? null }])),
    );
  },
  run(step, { memory }) {
    const parent = memory.process(step.process);
    const mm = memory.machine.fork(parent.mm);
    const regions = new Map<string, RunRegion>();
    for (const [name, r] of parent.regions)
      regions.set(name, { ...r, expected: r.expected?.slice() ?? null });
    memory.processes.set(step.child, { name: step.child, mm, regions, nextSlot: parent.nextSlot });
  },
};

/** `exit`: the process exits; its name is not used again. */
export const exit: MemoryStepDef<StepOf<"exit">> = {
  memory: true,
  fields: ["process"],
  validate(s, path, ctx) {
    liveProcess(s, path, ctx);
    ctx.live.delete(s.process as string);
  },
  run(step, { memory }) {
    memory.machine.exit(memory.process(step.process).mm);
    memory.processes.delete(step.process);
  },
};

/** `prctl`: PR_SET_MEMORY_MERGE, to `mergeAny` (default true). */
export const prctl: MemoryStepDef<StepOf<"prctl">> = {
  memory: true,
  fields: ["process", "mergeAny"],
  validate(s, path, ctx) {
    liveProcess(s, path, ctx);
    if (s.mergeAny !== undefined) boolean(s.mergeAny, `${path}.mergeAny`);
  },
  run(step, { memory }) {
    memory.machine.prctlSetMemoryMerge(memory.process(step.process).mm, step.mergeAny ?? true);
  },
};
