import { ScenarioError } from "../errors.js";
import { PROT_CODES, pageStates } from "../live-region.js";
import { parseRegion, REGION_FIELDS } from "../region.js";
import { mappedRuns, UNMAPPED } from "../run-process.js";
import { liveProcess, liveRange, liveRegion, type MemoryStepDef, type StepOf } from "./define.js";

/** `mmap` (v2): a region mapped after the start, at the process's next address slot. */
export const mmap: MemoryStepDef<StepOf<"mmap">> = {
  memory: true,
  format: 2,
  fields: ["process", "region", ...REGION_FIELDS.slice(1), "hugepage", "keepHugepage"],
  precheck: liveProcess,
  validate(s, path, ctx) {
    parseRegion(s, path, liveProcess(s, path, ctx), ctx.nodes, ctx.v2, true);
  },
  run(step, { memory }) {
    memory.mapRegion(memory.process(step.process), { ...step, name: step.region });
  },
};

/** `munmap`: the whole region, or (v2) a range of it, leaving a hole. */
export const munmap: MemoryStepDef<StepOf<"munmap">> = {
  memory: true,
  fields: ["process", "region", "range"],
  precheck(s, path, ctx) {
    if (!ctx.v2 && s.range !== undefined)
      throw new ScenarioError(`${path}.range`, 'no range in v1 (a partial munmap is v2: set "version": 2)');
  },
  validate(s, path, ctx) {
    const { r, a, b } = liveRange(s, path, ctx);
    const prot = pageStates(r);
    prot.fill(PROT_CODES.unmapped, a, b);
    if (!prot.some((x) => x !== PROT_CODES.unmapped))
      ctx.live.get(s.process as string)!.delete(s.region as string);
  },
  run(step, { memory }) {
    const { proc, region, a, b } = memory.locate(step.process, step.region, step.range);
    memory.machine.munmap(proc.mm, region.start + a, region.start + b);
    region.expected?.fill(UNMAPPED, a, b);
    if (mappedRuns(proc.mm, region.start, 0, region.pages).length === 0) proc.regions.delete(step.region);
  },
};

/** `mremap` (v2): the whole region moves to the process's next address slot. */
export const mremap: MemoryStepDef<StepOf<"mremap">> = {
  memory: true,
  format: 2,
  fields: ["process", "region"],
  validate(s, path, ctx) {
    liveRegion(s, path, liveProcess(s, path, ctx));
  },
  run(step, { memory }) {
    const { proc, region } = memory.locate(step.process, step.region, undefined);
    const to = memory.nextSlotAddress(proc);
    memory.machine.mremap(proc.mm, region.start, region.start + region.pages, to);
    region.start = to;
  },
};
