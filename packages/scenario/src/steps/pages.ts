import { VM_READ, VM_WRITE, ZERO_CONTENT } from "@ksm/mm";
import { ScenarioError } from "../errors.js";
import { PROT_CODES, pageStates } from "../live-region.js";
import { mappedRuns, UNMAPPED } from "../run-process.js";
import type { MadviseAdvice, Prot, Range } from "../types.js";
import { parseContent } from "../validate.js";
import { liveRange, type MemoryHost, type MemoryStepDef, type StepOf } from "./define.js";

const V1_ADVICE = ["mergeable", "unmergeable"];
const V2_ADVICE = [...V1_ADVICE, "dontneed", "hugepage", "nohugepage"];
const PROT_BITS: Readonly<Record<Prot, number>> = { none: 0, read: VM_READ, readwrite: VM_READ | VM_WRITE };

/** `write` (and `fill`, its v1 synonym): new contents over the range, which must be mapped read-write. */
export const write: MemoryStepDef<StepOf<"write" | "fill">> = {
  memory: true,
  fields: ["process", "region", "range", "content"],
  validate(s, path, ctx) {
    const { r, a, b } = liveRange(s, path, ctx);
    const bad = r.prot?.subarray(a, b).findIndex((x) => x !== PROT_CODES.readwrite) ?? -1;
    if (bad >= 0)
      throw new ScenarioError(
        `${path}.range`,
        `pages that are mapped and read-write (page ${a + bad} is ${r.prot![a + bad] ? "not writable" : "unmapped"})`,
        s.range,
      );
    parseContent(s.content, `${path}.content`, b - a);
  },
  run(step, { memory }) {
    memory.fill(memory.locate(step.process, step.region, step.range), step.content);
  },
};

/** `madvise`: MADV_MERGEABLE or MADV_UNMERGEABLE over the range (v2 also dontneed, hugepage, nohugepage). */
export const madvise: MemoryStepDef<StepOf<"madvise">> = {
  memory: true,
  fields: ["process", "region", "range", "advice"],
  validate(s, path, ctx) {
    liveRange(s, path, ctx);
    const advice = ctx.v2 ? V2_ADVICE : V1_ADVICE;
    if (!advice.includes(s.advice as string))
      throw new ScenarioError(`${path}.advice`, `one of ${advice.join(", ")}`, s.advice);
  },
  run: (step, host) => advise(host, step.advice, step),
};

/** `dontneed` (v2): MADV_DONTNEED over the range; its pages read as zeros after. */
export const dontneed: MemoryStepDef<StepOf<"dontneed">> = {
  memory: true,
  format: 2,
  fields: ["process", "region", "range"],
  validate: liveRange,
  run: (step, host) => advise(host, "dontneed", step),
};

/** `hugepage` (v2): MADV_HUGEPAGE over the range. */
export const hugepage: MemoryStepDef<StepOf<"hugepage">> = {
  memory: true,
  format: 2,
  fields: ["process", "region", "range"],
  validate: liveRange,
  run: (step, host) => advise(host, "hugepage", step),
};

/** `mprotect` (v2): the range's protection; the parser tracks it, so later writes must respect it. */
export const mprotect: MemoryStepDef<StepOf<"mprotect">> = {
  memory: true,
  format: 2,
  fields: ["process", "region", "range", "prot"],
  validate(s, path, ctx) {
    const { r, a, b } = liveRange(s, path, ctx);
    if (typeof s.prot !== "string" || !Object.hasOwn(PROT_CODES, s.prot) || s.prot === "unmapped")
      throw new ScenarioError(`${path}.prot`, '"none", "read" or "readwrite"', s.prot);
    const code = PROT_CODES[s.prot as keyof typeof PROT_CODES];
    const prot = pageStates(r);
    for (let i = a; i < b; i++) if (prot[i]) prot[i] = code;
  },
  run(step, { memory }) {
    const { proc, region, a, b } = memory.locate(step.process, step.region, step.range);
    for (const [x, y] of mappedRuns(proc.mm, region.start, a, b))
      memory.machine.mprotect(proc.mm, region.start + x, region.start + y, PROT_BITS[step.prot]);
  },
};

/** `read`: every page of the range read, faulting in what is not mapped (simulator extension). */
export const read: MemoryStepDef<StepOf<"read">> = {
  memory: true,
  fields: ["process", "region", "range"],
  validate: liveRange,
  run(step, { memory }) {
    const { proc, region, a, b } = memory.locate(step.process, step.region, step.range);
    for (let i = a; i < b; i++) memory.machine.read(proc.mm, region.start + i);
  },
};

/** madvise(2) with `advice` over the step's range. */
function advise(
  { memory }: MemoryHost,
  advice: MadviseAdvice,
  step: { readonly process: string; readonly region: string; readonly range?: Range },
): void {
  const m = memory.machine;
  const { proc, region, a, b } = memory.locate(step.process, step.region, step.range);
  const s = region.start + a;
  const e = region.start + b;
  if (advice === "dontneed") {
    m.dontneed(proc.mm, s, e);
    const expected = region.expected;
    if (expected) for (let i = a; i < b; i++) if (expected[i] !== UNMAPPED) expected[i] = ZERO_CONTENT;
  } else if (advice === "hugepage" || advice === "nohugepage")
    m.hugepageMadvise(proc.mm, s, e, advice === "hugepage");
  else m.madvise(proc.mm, s, e, advice);
}
