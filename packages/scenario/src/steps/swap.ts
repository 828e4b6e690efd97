import { integer } from "../validate.js";
import { type KsmStepDef, liveRange, type StepOf } from "./define.js";

/** `swapout`: the range's pages written to swap (simulator extension). */
export const swapout: KsmStepDef<StepOf<"swapout">> = {
  memory: false,
  fields: ["process", "region", "range"],
  validate: liveRange,
  run: (step, host) => void host.swapout(host.memory.locate(step.process, step.region, step.range)),
};

/** `migrate`: the range's pages moved to NUMA node `node` (simulator extension). */
export const migrate: KsmStepDef<StepOf<"migrate">> = {
  memory: false,
  fields: ["process", "region", "range", "node"],
  validate(s, path, ctx) {
    liveRange(s, path, ctx);
    integer(s.node, `${path}.node`, 0, ctx.nodes - 1);
  },
  run: (step, host) =>
    void host.migrate(host.memory.locate(step.process, step.region, step.range), step.node),
};

/** `pressure`: reclaim until `freePages` frames are free (simulator extension). */
export const pressure: KsmStepDef<StepOf<"pressure">> = {
  memory: false,
  fields: ["freePages"],
  validate(s, path) {
    integer(s.freePages, `${path}.freePages`, 0, 2 ** 40);
  },
  run: (step, host) => void host.pressure(step.freePages),
};

/** `offline`: NUMA node `node`'s memory hot-removed (simulator extension). */
export const offline: KsmStepDef<StepOf<"offline">> = {
  memory: false,
  fields: ["node"],
  validate(s, path, ctx) {
    integer(s.node, `${path}.node`, 0, ctx.nodes - 1);
  },
  run: (step, host) => void host.offline(step.node),
};
