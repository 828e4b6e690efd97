import { ScenarioError } from "./errors.js";
import { type LiveRegion, PROT_CODES } from "./live-region.js";
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
  munmap: ["process", "region", "range"],
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
/** Steps only format v2 has, with their fields. */
const V2_STEP_FIELDS: Record<string, readonly string[]> = {
  batches: ["count"],
  dontneed: ["process", "region", "range"],
  hugepage: ["process", "region", "range"],
  mprotect: ["process", "region", "range", "prot"],
  mmap: ["process", "region", "pages", "mergeable", "fill", "node", "hugepage", "keepHugepage"],
  mremap: ["process", "region"],
};
const V1_ADVICE = ["mergeable", "unmergeable"];
const V2_ADVICE = [...V1_ADVICE, "dontneed", "hugepage", "nohugepage"];
const REGION_FIELDS = ["name", "pages", "mergeable", "fill", "node"];
const V2_REGION_FIELDS = [...REGION_FIELDS, "hugepage", "keepHugepage"];

/** What the parser tracks while it walks the steps: the live processes and their regions. */
type Live = Map<string, Map<string, LiveRegion>>;

type Obj = Record<string, unknown>;

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

/**
 * A region of a process, or the fields of an `mmap` step (`named` false: its name is the
 * step's `region`), added to `regions`.
 */
function parseRegion(
  v: unknown,
  path: string,
  regions: Map<string, LiveRegion>,
  nodes: number,
  v2: boolean,
  step?: { readonly op: string; readonly process: string },
): RegionSpec {
  const o = object(v, path);
  if (step)
    allowOnly(o, path, ["op", "process", "region", ...REGION_FIELDS.slice(1), "hugepage", "keepHugepage"]);
  else allowOnly(o, path, v2 ? V2_REGION_FIELDS : REGION_FIELDS, v2 ? undefined : V2_REGION_FIELDS);
  const nameKey = step ? "region" : "name";
  const rname = string(o[nameKey], `${path}.${nameKey}`);
  if (regions.has(rname))
    throw new ScenarioError(`${path}.${nameKey}`, "a region name unique within its process", rname);
  const pages = integer(o.pages, `${path}.pages`, 1, 2 ** 28);
  if (o.mergeable !== undefined) boolean(o.mergeable, `${path}.mergeable`);
  if (o.node !== undefined) integer(o.node, `${path}.node`, 0, nodes - 1);
  if (o.hugepage !== undefined) boolean(o.hugepage, `${path}.hugepage`);
  if (o.keepHugepage !== undefined) boolean(o.keepHugepage, `${path}.keepHugepage`);
  const fill = array(o.fill ?? [], `${path}.fill`).map((f, j): FillSpec => {
    const fp = `${path}.fill[${j}]`;
    const fo = object(f, fp);
    allowOnly(fo, fp, ["range", "content"]);
    const range = fo.range === undefined ? undefined : parseRange(fo.range, `${fp}.range`, pages);
    const count = range ? range[1] - range[0] : pages;
    const content = parseContent(fo.content, `${fp}.content`, count);
    return range ? { range, content } : { content };
  });
  regions.set(rname, { pages, prot: null });
  if (step) {
    const { op: _op, process: _process, region: _region, ...rest } = o;
    return { ...(rest as unknown as RegionSpec), name: rname, fill };
  }
  return { ...(o as unknown as RegionSpec), fill };
}

interface StepContext {
  readonly live: Live;
  readonly everSeen: Set<string>;
  readonly validateKnob: KnobValidator;
  readonly nodes: number;
  readonly v2: boolean;
}

function parseStep(v: unknown, path: string, ctx: StepContext): Step {
  const { live, everSeen, validateKnob, nodes, v2 } = ctx;
  const s = object(v, path);
  const op = string(s.op, `${path}.op`);
  const v2Only = Object.hasOwn(V2_STEP_FIELDS, op);
  const fields = Object.hasOwn(STEP_FIELDS, op) ? STEP_FIELDS[op] : v2Only ? V2_STEP_FIELDS[op] : undefined;
  if (!fields)
    throw new ScenarioError(
      `${path}.op`,
      `one of ${Object.keys(STEP_FIELDS).join(", ")}${v2 ? `, ${Object.keys(V2_STEP_FIELDS).join(", ")}` : ""}`,
      op,
    );
  if (v2Only && !v2) throw new ScenarioError(`${path}.op`, `a v1 step (${op} is v2: set "version": 2)`, op);
  if (op === "measure" && v2) throw new ScenarioError(`${path}.op`, "a v2 step (measure is v1 only)", op);
  if (op === "munmap" && !v2 && s.range !== undefined)
    throw new ScenarioError(`${path}.range`, 'no range in v1 (a partial munmap is v2: set "version": 2)');
  if (op !== "mmap") allowOnly(s, path, ["op", ...fields]);
  const proc = () => {
    const name = string(s.process, `${path}.process`);
    const regions = live.get(name);
    if (!regions) throw new ScenarioError(`${path}.process`, "a live process of the scenario", name);
    return regions;
  };
  const region = (regions: Map<string, LiveRegion>) => {
    const name = string(s.region, `${path}.region`);
    const r = regions.get(name);
    if (r === undefined) throw new ScenarioError(`${path}.region`, "a mapped region of that process", name);
    return r;
  };
  /** The step's region and its [a, b) range (default the whole region). */
  const ranged = () => {
    const r = region(proc());
    const [a, b] = s.range === undefined ? [0, r.pages] : parseRange(s.range, `${path}.range`, r.pages);
    return { r, a, b };
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
      const { r, a, b } = ranged();
      const bad = r.prot?.subarray(a, b).findIndex((x) => x !== PROT_CODES.readwrite) ?? -1;
      if (bad >= 0)
        throw new ScenarioError(
          `${path}.range`,
          `pages that are mapped and read-write (page ${a + bad} is ${r.prot![a + bad] ? "not writable" : "unmapped"})`,
          s.range,
        );
      parseContent(s.content, `${path}.content`, b - a);
      break;
    }
    case "madvise": {
      ranged();
      const advice = v2 ? V2_ADVICE : V1_ADVICE;
      if (!advice.includes(s.advice as string))
        throw new ScenarioError(`${path}.advice`, `one of ${advice.join(", ")}`, s.advice);
      break;
    }
    case "dontneed":
    case "hugepage":
      ranged();
      break;
    case "mprotect": {
      const { r, a, b } = ranged();
      if (typeof s.prot !== "string" || !Object.hasOwn(PROT_CODES, s.prot) || s.prot === "unmapped")
        throw new ScenarioError(`${path}.prot`, '"none", "read" or "readwrite"', s.prot);
      const code = PROT_CODES[s.prot as keyof typeof PROT_CODES];
      const prot = pageStates(r);
      for (let i = a; i < b; i++) if (prot[i]) prot[i] = code;
      break;
    }
    case "mmap":
      parseRegion(s, path, proc(), nodes, v2, { op, process: s.process as string });
      break;
    case "mremap":
      region(proc());
      break;
    case "batches":
      if (s.count !== undefined) integer(s.count, `${path}.count`, 0, 1_000_000_000);
      break;
    case "fork": {
      const regions = proc();
      const child = string(s.child, `${path}.child`);
      if (everSeen.has(child))
        throw new ScenarioError(`${path}.child`, "a process name not used before", child);
      everSeen.add(child);
      live.set(
        child,
        new Map([...regions].map(([k, r]) => [k, { pages: r.pages, prot: r.prot?.slice() ?? null }])),
      );
      break;
    }
    case "exit":
      proc();
      live.delete(s.process as string);
      break;
    case "munmap": {
      const { r, a, b } = ranged();
      const prot = pageStates(r);
      prot.fill(PROT_CODES.unmapped, a, b);
      if (!prot.some((x) => x !== PROT_CODES.unmapped))
        live.get(s.process as string)!.delete(s.region as string);
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
    case "read":
      ranged();
      break;
    case "migrate":
      ranged();
      integer(s.node, `${path}.node`, 0, nodes - 1);
      break;
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

/** The region's per-page states, made explicit (every page mapped read-write) on first need. */
function pageStates(r: LiveRegion): Uint8Array {
  r.prot ??= new Uint8Array(r.pages).fill(PROT_CODES.readwrite);
  return r.prot;
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

/** Rejects fields not in `keys`; one in `v2Keys` is named as a v2 field. */
function allowOnly(o: Obj, path: string, keys: readonly string[], v2Keys?: readonly string[]): void {
  for (const k of Object.keys(o)) {
    if (keys.includes(k)) continue;
    if (v2Keys?.includes(k))
      throw new ScenarioError(`${path}.${k}`, 'a v1 field (this one is v2: set "version": 2)');
    throw new ScenarioError(`${path}.${k}`, `no such field here (known: ${keys.join(", ")})`);
  }
}
