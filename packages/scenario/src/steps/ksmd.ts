import { ScenarioError } from "../errors.js";
import { integer, number, string } from "../validate.js";
import { type KsmStepDef, optionalLabel, type StepOf } from "./define.js";

/** `scan`: ksmd runs `fullScans` full scans (default 1). */
export const scan: KsmStepDef<StepOf<"scan">> = {
  memory: false,
  fields: ["fullScans"],
  validate(s, path) {
    if (s.fullScans !== undefined) integer(s.fullScans, `${path}.fullScans`, 0, 1_000_000);
  },
  run: (step, host) => void host.scan(step.fullScans ?? 1),
};

/** `settle`: full scans until the counters stop changing, at most `maxFullScans` (default 30). */
export const settle: KsmStepDef<StepOf<"settle">> = {
  memory: false,
  fields: ["maxFullScans"],
  validate(s, path) {
    if (s.maxFullScans !== undefined) integer(s.maxFullScans, `${path}.maxFullScans`, 1, 1_000_000);
  },
  run: (step, host) => void host.settle(step.maxFullScans ?? 30),
};

/** `batches` (v2): ksmd runs exactly `count` batches (default 1). */
export const batches: KsmStepDef<StepOf<"batches">> = {
  memory: false,
  format: 2,
  fields: ["count"],
  validate(s, path) {
    if (s.count !== undefined) integer(s.count, `${path}.count`, 0, 1_000_000_000);
  },
  run: (step, host) => void host.batches(step.count ?? 1),
};

/** `measure` (v1 only): ksmd runs until `pages_sharing` reaches `pagesSharing`, timed. */
export const measure: KsmStepDef<StepOf<"measure">> = {
  memory: false,
  format: 1,
  fields: ["pagesSharing", "label", "sleepMillisecs", "timeout"],
  validate(s, path) {
    integer(s.pagesSharing, `${path}.pagesSharing`, 0, Number.MAX_SAFE_INTEGER);
    optionalLabel(s, path);
    if (s.sleepMillisecs !== undefined) integer(s.sleepMillisecs, `${path}.sleepMillisecs`, 0, 0xffff_ffff);
    if (s.timeout !== undefined) number(s.timeout, `${path}.timeout`, 0);
  },
  run: (step, host) => host.measure(step),
};

/** `knob`: a write to /sys/kernel/mm/ksm/`name`, checked by the caller's knob validator. */
export const knob: KsmStepDef<StepOf<"knob">> = {
  memory: false,
  fields: ["name", "value"],
  validate(s, path, ctx) {
    const name = string(s.name, `${path}.name`);
    const err = ctx.validateKnob(name, s.value);
    if (err) throw new ScenarioError(`${path}.value`, err, s.value);
  },
  run: (step, host, index) => void host.knob(step.name, step.value, index),
};
