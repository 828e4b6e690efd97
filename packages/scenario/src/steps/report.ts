import { type KsmStepDef, optionalLabel, type StepOf } from "./define.js";

/** `report`: a record of the counters and every process's ksm_stat. */
export const report: KsmStepDef<StepOf<"report">> = {
  memory: false,
  fields: ["label"],
  validate: optionalLabel,
  run: (step, host) => host.report(step.label ?? "report"),
};

/** `verify`: every mapped page read back against what was last written; a record, then an error if any differ. */
export const verify: KsmStepDef<StepOf<"verify">> = {
  memory: false,
  fields: ["label"],
  validate: optionalLabel,
  run: (step, host, index) => host.verify(step.label ?? "verify", index),
};
