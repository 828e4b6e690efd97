import { ScenarioError } from "./errors.js";
import type { Live, LiveRegion } from "./live-region.js";
import { parseRegion } from "./region.js";
import type { KnobValidator, ParseContext } from "./steps/define.js";
import { STEPS, stepDef } from "./steps/index.js";
import type { ProcessSpec, Scenario, Step } from "./types.js";
import { allowOnly, array, boolean, integer, object, string } from "./validate.js";

const V1_OPS = Object.keys(STEPS).filter((op) => stepDef(op as Step["op"]).format !== 2);
const V2_OPS = Object.keys(STEPS).filter((op) => stepDef(op as Step["op"]).format === 2);

/**
 * Parses and validates a scenario (format v1 or v2, SCENARIO.md) so that nothing can fail
 * half-way through a run: shapes and types, content specs, ranges inside their regions, and
 * every step naming a process and region that exist at that point (in v2: writes only to
 * mapped, read-write pages). Throws {@link ScenarioError}.
 */
export function parseScenario(input: unknown, validateKnob: KnobValidator): Scenario {
  const root = object(input, "$");
  allowOnly(root, "$", [
    "name",
    "version",
    "batchMode",
    "drainLru",
    "knobs",
    "processes",
    "steps",
    "profile",
    "policies",
    "plugins",
    "machine",
  ]);
  if (root.version !== undefined) integer(root.version, "$.version", 1, 2);
  if (root.batchMode !== undefined) boolean(root.batchMode, "$.batchMode");
  if (root.drainLru !== undefined) boolean(root.drainLru, "$.drainLru");
  const v2 = root.version === 2 || root.batchMode === true;
  if (!v2 && root.drainLru !== undefined)
    throw new ScenarioError("$.drainLru", 'a v2 field: set "version": 2 to use it');
  let nodes = 1;
  if (root.machine !== undefined) {
    const m = object(root.machine, "$.machine");
    allowOnly(m, "$.machine", ["nodes", "swapPages", "memoryPages"]);
    if (m.nodes !== undefined) nodes = integer(m.nodes, "$.machine.nodes", 1, 64);
    if (m.swapPages !== undefined) integer(m.swapPages, "$.machine.swapPages", 0, 2 ** 31 - 1);
    if (m.memoryPages !== undefined) integer(m.memoryPages, "$.machine.memoryPages", 1, 2 ** 40);
  }
  if (root.name !== undefined) string(root.name, "$.name");
  if (root.profile !== undefined) string(root.profile, "$.profile");
  if (root.policies !== undefined)
    for (const [axis, v] of Object.entries(object(root.policies, "$.policies")))
      string(v, `$.policies.${axis}`);
  if (root.plugins !== undefined)
    for (const [i, p] of array(root.plugins, "$.plugins").entries()) string(p, `$.plugins[${i}]`);
  const knobs = root.knobs === undefined ? {} : object(root.knobs, "$.knobs");
  for (const [k, v] of Object.entries(knobs)) {
    const err = validateKnob(k, v);
    if (err) throw new ScenarioError(`$.knobs.${k}`, err, v);
  }
  const live: Live = new Map();
  const processes = array(root.processes, "$.processes").map((p, i) =>
    parseProcess(p, `$.processes[${i}]`, live, nodes, v2),
  );
  if (processes.length === 0) throw new ScenarioError("$.processes", "at least one process");
  const everSeen = new Set(live.keys());
  const steps = array(root.steps ?? [], "$.steps").map((s, i) =>
    parseStep(s, `$.steps[${i}]`, { live, everSeen, validateKnob, nodes, v2 }),
  );
  return {
    ...(v2 ? { version: 2 as const } : {}),
    ...(root.batchMode === undefined ? {} : { batchMode: root.batchMode as boolean }),
    ...(root.drainLru === undefined ? {} : { drainLru: root.drainLru as boolean }),
    ...(root.name === undefined ? {} : { name: root.name as string }),
    ...(root.profile === undefined ? {} : { profile: root.profile as string }),
    ...(root.policies === undefined ? {} : { policies: root.policies as Record<string, string> }),
    ...(root.plugins === undefined ? {} : { plugins: root.plugins as string[] }),
    ...(root.machine === undefined ? {} : { machine: root.machine as Scenario["machine"] & object }),
    knobs: knobs as Scenario["knobs"],
    processes,
    steps,
  };
}

function parseProcess(v: unknown, path: string, live: Live, nodes: number, v2: boolean): ProcessSpec {
  const p = object(v, path);
  allowOnly(p, path, ["name", "mergeAny", "regions"]);
  const name = string(p.name, `${path}.name`);
  if (live.has(name)) throw new ScenarioError(`${path}.name`, "a process name not used before", name);
  if (p.mergeAny !== undefined) boolean(p.mergeAny, `${path}.mergeAny`);
  const regions = new Map<string, LiveRegion>();
  const specs = array(p.regions, `${path}.regions`).map((r, i) =>
    parseRegion(r, `${path}.regions[${i}]`, regions, nodes, v2),
  );
  live.set(name, regions);
  return { ...(p as unknown as ProcessSpec), regions: specs };
}

function parseStep(v: unknown, path: string, ctx: ParseContext): Step {
  const s = object(v, path);
  const op = string(s.op, `${path}.op`);
  if (!Object.hasOwn(STEPS, op))
    throw new ScenarioError(
      `${path}.op`,
      `one of ${V1_OPS.join(", ")}${ctx.v2 ? `, ${V2_OPS.join(", ")}` : ""}`,
      op,
    );
  const def = stepDef(op as Step["op"]);
  if (def.format === 2 && !ctx.v2)
    throw new ScenarioError(`${path}.op`, `a v1 step (${op} is v2: set "version": 2)`, op);
  if (def.format === 1 && ctx.v2) throw new ScenarioError(`${path}.op`, `a v2 step (${op} is v1 only)`, op);
  def.precheck?.(s, path, ctx);
  allowOnly(s, path, ["op", ...def.fields]);
  def.validate?.(s, path, ctx);
  return s as unknown as Step;
}
