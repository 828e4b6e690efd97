import { ScenarioError } from "./errors.js";
import type { ContentSpec, FillSpec, ProcessSpec, Range, RegionSpec, Scenario, Step } from "./types.js";

/** Checks a knob write; returns null when fine, else what the knob accepts. */
export type KnobValidator = (name: string, value: unknown) => string | null;

const SEED_LIMIT = 2 ** 53;
const STEP_FIELDS: Record<string, readonly string[]> = {
  scan: ["fullScans"],
  settle: ["maxFullScans"],
  report: ["label"],
  write: ["process", "region", "range", "content"],
  fill: ["process", "region", "range", "content"],
  madvise: ["process", "region", "range", "advice"],
  fork: ["process", "child"],
  exit: ["process"],
  munmap: ["process", "region"],
  prctl: ["process", "mergeAny"],
  knob: ["name", "value"],
  verify: ["label"],
  measure: ["pagesSharing", "label", "sleepMillisecs", "timeout"],
  swapout: ["process", "region", "range"],
  read: ["process", "region", "range"],
  migrate: ["process", "region", "range", "node"],
  pressure: ["freePages"],
  offline: ["node"],
};

type Obj = Record<string, unknown>;

/**
 * Parses and validates a scenario (format v1) so that nothing can fail half-way through a
 * run: shapes and types, content specs, ranges inside their regions, and every step
 * naming a process and region that exist at that point. Throws {@link ScenarioError}.
 */
export function parseScenario(input: unknown, validateKnob: KnobValidator): Scenario {
  const root = object(input, "$");
  allowOnly(root, "$", ["name", "knobs", "processes", "steps", "profile", "policies", "machine"]);
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
  const knobs = root.knobs === undefined ? {} : object(root.knobs, "$.knobs");
  for (const [k, v] of Object.entries(knobs)) {
    const err = validateKnob(k, v);
    if (err) throw new ScenarioError(`$.knobs.${k}`, err, v);
  }
  const live = new Map<string, Map<string, number>>();
  const processes = array(root.processes, "$.processes").map((p, i) =>
    parseProcess(p, `$.processes[${i}]`, live, nodes),
  );
  if (processes.length === 0) throw new ScenarioError("$.processes", "at least one process");
  const everSeen = new Set(live.keys());
  const steps = array(root.steps ?? [], "$.steps").map((s, i) =>
    parseStep(s, `$.steps[${i}]`, live, everSeen, validateKnob, nodes),
  );
  return {
    ...(root.name === undefined ? {} : { name: root.name as string }),
    ...(root.profile === undefined ? {} : { profile: root.profile as string }),
    ...(root.policies === undefined ? {} : { policies: root.policies as Record<string, string> }),
    ...(root.machine === undefined ? {} : { machine: root.machine as Scenario["machine"] & object }),
    knobs: knobs as Scenario["knobs"],
    processes,
    steps,
  };
}

function parseProcess(
  v: unknown,
  path: string,
  live: Map<string, Map<string, number>>,
  nodes: number,
): ProcessSpec {
  const p = object(v, path);
  allowOnly(p, path, ["name", "mergeAny", "regions"]);
  const name = string(p.name, `${path}.name`);
  if (live.has(name)) throw new ScenarioError(`${path}.name`, "a process name not used before", name);
  if (p.mergeAny !== undefined) boolean(p.mergeAny, `${path}.mergeAny`);
  const regions = new Map<string, number>();
  const specs = array(p.regions, `${path}.regions`).map((r, i) => {
    const rp = `${path}.regions[${i}]`;
    const o = object(r, rp);
    allowOnly(o, rp, ["name", "pages", "mergeable", "fill", "node"]);
    const rname = string(o.name, `${rp}.name`);
    if (regions.has(rname))
      throw new ScenarioError(`${rp}.name`, "a region name unique within its process", rname);
    const pages = integer(o.pages, `${rp}.pages`, 1, 2 ** 28);
    if (o.mergeable !== undefined) boolean(o.mergeable, `${rp}.mergeable`);
    if (o.node !== undefined) integer(o.node, `${rp}.node`, 0, nodes - 1);
    const fill = array(o.fill ?? [], `${rp}.fill`).map((f, j): FillSpec => {
      const fp = `${rp}.fill[${j}]`;
      const fo = object(f, fp);
      allowOnly(fo, fp, ["range", "content"]);
      const range = fo.range === undefined ? undefined : parseRange(fo.range, `${fp}.range`, pages);
      const count = range ? range[1] - range[0] : pages;
      const content = parseContent(fo.content, `${fp}.content`, count);
      return range ? { range, content } : { content };
    });
    regions.set(rname, pages);
    return { ...(o as unknown as RegionSpec), fill } as RegionSpec;
  });
  live.set(name, regions);
  return { ...(p as unknown as ProcessSpec), regions: specs };
}

function parseStep(
  v: unknown,
  path: string,
  live: Map<string, Map<string, number>>,
  everSeen: Set<string>,
  validateKnob: KnobValidator,
  nodes: number,
): Step {
  const s = object(v, path);
  const op = string(s.op, `${path}.op`);
  const fields = Object.hasOwn(STEP_FIELDS, op) ? STEP_FIELDS[op] : undefined;
  if (!fields) throw new ScenarioError(`${path}.op`, `one of ${Object.keys(STEP_FIELDS).join(", ")}`, op);
  allowOnly(s, path, ["op", ...fields]);
  const proc = () => {
    const name = string(s.process, `${path}.process`);
    const regions = live.get(name);
    if (!regions) throw new ScenarioError(`${path}.process`, "a live process of the scenario", name);
    return regions;
  };
  const region = (regions: Map<string, number>) => {
    const name = string(s.region, `${path}.region`);
    const pages = regions.get(name);
    if (pages === undefined)
      throw new ScenarioError(`${path}.region`, "a mapped region of that process", name);
    return [name, pages] as const;
  };
  const label = () => {
    if (s.label !== undefined) string(s.label, `${path}.label`);
  };
  switch (op) {
    case "scan":
      if (s.fullScans !== undefined) integer(s.fullScans, `${path}.fullScans`, 0, 1_000_000);
      break;
    case "settle":
      if (s.maxFullScans !== undefined) integer(s.maxFullScans, `${path}.maxFullScans`, 1, 1_000_000);
      break;
    case "report":
    case "verify":
      label();
      break;
    case "write":
    case "fill": {
      const [, pages] = region(proc());
      const range = s.range === undefined ? undefined : parseRange(s.range, `${path}.range`, pages);
      parseContent(s.content, `${path}.content`, range ? range[1] - range[0] : pages);
      break;
    }
    case "madvise": {
      const [, pages] = region(proc());
      if (s.range !== undefined) parseRange(s.range, `${path}.range`, pages);
      if (s.advice !== "mergeable" && s.advice !== "unmergeable")
        throw new ScenarioError(`${path}.advice`, `"mergeable" or "unmergeable"`, s.advice);
      break;
    }
    case "fork": {
      const regions = proc();
      const child = string(s.child, `${path}.child`);
      if (everSeen.has(child))
        throw new ScenarioError(`${path}.child`, "a process name not used before", child);
      everSeen.add(child);
      live.set(child, new Map(regions));
      break;
    }
    case "exit":
      proc();
      live.delete(s.process as string);
      break;
    case "munmap": {
      const regions = proc();
      region(regions);
      regions.delete(s.region as string);
      break;
    }
    case "prctl":
      proc();
      if (s.mergeAny !== undefined) boolean(s.mergeAny, `${path}.mergeAny`);
      break;
    case "knob": {
      const name = string(s.name, `${path}.name`);
      const err = validateKnob(name, s.value);
      if (err) throw new ScenarioError(`${path}.value`, err, s.value);
      break;
    }
    case "swapout":
    case "read": {
      const [, pages] = region(proc());
      if (s.range !== undefined) parseRange(s.range, `${path}.range`, pages);
      break;
    }
    case "migrate": {
      const [, pages] = region(proc());
      if (s.range !== undefined) parseRange(s.range, `${path}.range`, pages);
      integer(s.node, `${path}.node`, 0, nodes - 1);
      break;
    }
    case "pressure":
      integer(s.freePages, `${path}.freePages`, 0, 2 ** 40);
      break;
    case "offline":
      integer(s.node, `${path}.node`, 0, nodes - 1);
      break;
    case "measure":
      integer(s.pagesSharing, `${path}.pagesSharing`, 0, Number.MAX_SAFE_INTEGER);
      label();
      if (s.sleepMillisecs !== undefined) integer(s.sleepMillisecs, `${path}.sleepMillisecs`, 0, 0xffff_ffff);
      if (s.timeout !== undefined) number(s.timeout, `${path}.timeout`, 0);
      break;
  }
  return s as unknown as Step;
}

function parseRange(v: unknown, path: string, pages: number): Range {
  const expected = `[from, to) page indices with 0 <= from <= to <= ${pages} (the region's pages)`;
  if (!Array.isArray(v) || v.length !== 2 || !v.every((x) => Number.isInteger(x)))
    throw new ScenarioError(path, expected, v);
  const [a, b] = v as [number, number];
  if (!(a >= 0 && a <= b && b <= pages)) throw new ScenarioError(path, expected, v);
  return [a, b];
}

function parseContent(v: unknown, path: string, count: number): ContentSpec {
  if (v === "zero" || v === "unique") return v;
  const expected = `"zero", "unique", {"pattern": S} or {"sequence": S} with 0 <= S < 2^53, optionally with "poke"; or a captured page, {"bytes": BASE64} or {"hash": HEX}`;
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new ScenarioError(path, expected, v);
  const o = v as Obj;
  if ("bytes" in o) {
    allowOnly(o, path, ["bytes"]);
    if (typeof o.bytes !== "string" || !/^[A-Za-z0-9+/]{5462}==$/.test(o.bytes))
      throw new ScenarioError(`${path}.bytes`, "a page of 4096 bytes in base64 (5464 characters)", o.bytes);
    return v as ContentSpec;
  }
  if ("hash" in o) {
    allowOnly(o, path, ["hash"]);
    if (typeof o.hash !== "string" || !/^[0-9a-f]{32}$/.test(o.hash))
      throw new ScenarioError(`${path}.hash`, "a 128-bit page hash, 32 lowercase hex digits", o.hash);
    return v as ContentSpec;
  }
  const key = "pattern" in o ? "pattern" : "sequence" in o ? "sequence" : null;
  if (!key) throw new ScenarioError(path, expected, v);
  allowOnly(o, path, [key, "poke"]);
  const span = key === "sequence" ? count : 1;
  integer(o[key], `${path}.${key}`, 0, SEED_LIMIT - span);
  if (o.poke !== undefined) {
    array(o.poke, `${path}.poke`).forEach((p, i) => {
      const pp = `${path}.poke[${i}]`;
      if (!Array.isArray(p) || p.length !== 2) throw new ScenarioError(pp, "[offset, byte]", p);
      integer(p[0], `${pp}[0]`, 0, 4095);
      integer(p[1], `${pp}[1]`, 0, 255);
    });
  }
  return v as ContentSpec;
}

function object(v: unknown, path: string): Obj {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new ScenarioError(path, "an object", v);
  return v as Obj;
}

function array(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) throw new ScenarioError(path, "an array", v);
  return v;
}

function string(v: unknown, path: string): string {
  if (typeof v !== "string" || v.length === 0) throw new ScenarioError(path, "a non-empty string", v);
  return v;
}

function boolean(v: unknown, path: string): boolean {
  if (typeof v !== "boolean") throw new ScenarioError(path, "true or false", v);
  return v;
}

function integer(v: unknown, path: string, min: number, max: number): number {
  if (!Number.isInteger(v) || (v as number) < min || (v as number) > max)
    throw new ScenarioError(path, `an integer from ${min} to ${max}`, v);
  return v as number;
}

function number(v: unknown, path: string, min: number): number {
  if (typeof v !== "number" || !Number.isFinite(v) || v < min)
    throw new ScenarioError(path, `a number >= ${min}`, v);
  return v;
}

function allowOnly(o: Obj, path: string, keys: readonly string[]): void {
  for (const k of Object.keys(o))
    if (!keys.includes(k))
      throw new ScenarioError(`${path}.${k}`, `no such field here (known: ${keys.join(", ")})`);
}
