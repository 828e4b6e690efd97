/** One parameter of a policy factory: its type, default, allowed values and a line of help. */
export type ParamSpec =
  | {
      readonly type: "integer" | "number";
      readonly default: number;
      /** Smallest allowed value (inclusive). */
      readonly min?: number;
      /** Largest allowed value (inclusive). */
      readonly max?: number;
      readonly description: string;
    }
  | { readonly type: "boolean"; readonly default: boolean; readonly description: string }
  | {
      readonly type: "string";
      readonly default: string;
      /** The allowed values; any string when absent. */
      readonly choices?: readonly string[];
      readonly description: string;
    };

/** A factory's parameters by name. */
export type ParamSpecs = Readonly<Record<string, ParamSpec>>;

/** The values `create` receives: every parameter, defaults filled in, typed from its spec. */
export type ParamValues<P extends ParamSpecs> = {
  readonly [K in keyof P]: P[K] extends { type: "boolean" }
    ? boolean
    : P[K] extends { type: "string" }
      ? string
      : number;
};

/** A seed parameter: an unsigned 32-bit integer (default 1), for a policy that draws at random. */
export function seedParam(description: string, defaultSeed = 1) {
  return { type: "integer", default: defaultSeed, min: 0, max: 0xffff_ffff, description } as const;
}

/** A value given for a parameter: a string from the command line, or a typed value from code. */
export type ParamInput = string | number | boolean;

/** A bad parameter or policy spec; the message says which and what was expected. */
export class ParamError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ParamError";
  }
}

/** `name` (integer ≥ 1, default 8), for messages and listings. */
export function describeParam(name: string, spec: ParamSpec): string {
  const range =
    spec.type === "integer" || spec.type === "number"
      ? spec.min !== undefined && spec.max !== undefined
        ? ` ${spec.min}..${spec.max}`
        : spec.min !== undefined
          ? ` ≥ ${spec.min}`
          : spec.max !== undefined
            ? ` ≤ ${spec.max}`
            : ""
      : spec.type === "string" && spec.choices
        ? ` (${spec.choices.join("|")})`
        : "";
  return `${name} (${spec.type}${range}, default ${spec.default})`;
}

const aType = (spec: ParamSpec) => (spec.type === "integer" ? "an integer" : `a ${spec.type}`);

/** Why `value` does not fit `spec`, or null when it does; `value` is already of the spec's type. */
function outOfRange(spec: ParamSpec, value: number | string | boolean): string | null {
  if (spec.type === "integer" || spec.type === "number") {
    const n = value as number;
    if (!Number.isFinite(n) || (spec.type === "integer" && !Number.isInteger(n))) return aType(spec);
    if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max))
      return `a value in ${spec.min ?? "-∞"}..${spec.max ?? "∞"}`;
  }
  if (spec.type === "string" && spec.choices && !spec.choices.includes(value as string))
    return `one of ${spec.choices.join(", ")}`;
  return null;
}

/** `input` as the spec's type, or undefined when it cannot be read as one. */
function coerce(spec: ParamSpec, input: ParamInput): number | string | boolean | undefined {
  switch (spec.type) {
    case "integer":
    case "number":
      if (typeof input === "number") return input;
      return typeof input === "string" && input.trim() !== "" ? Number(input) : undefined;
    case "boolean":
      if (typeof input === "boolean") return input;
      return input === "true" || input === "1"
        ? true
        : input === "false" || input === "0"
          ? false
          : undefined;
    case "string":
      return typeof input === "string" ? input : undefined;
  }
}

/**
 * Checks that every default fits its own spec (a factory's self-description is valid);
 * throws {@link ParamError} naming `where` and the parameter otherwise.
 */
export function checkParamSpecs(specs: ParamSpecs, where: string): void {
  for (const [name, spec] of Object.entries(specs)) {
    if (!["integer", "number", "boolean", "string"].includes(spec?.type))
      throw new ParamError(`${where}.${name}: type must be integer, number, boolean or string`);
    if (typeof spec.description !== "string")
      throw new ParamError(`${where}.${name}: needs a description (a string)`);
    const v = coerce(spec, spec.default);
    const bad = v === undefined || typeof v !== typeof spec.default ? aType(spec) : outOfRange(spec, v);
    if (bad)
      throw new ParamError(`${where}.${name}: its default ${JSON.stringify(spec.default)} is not ${bad}`);
  }
}

/**
 * The values for `create`: `given` read as each parameter's type and checked against its
 * range, every other parameter at its default. `policy` (e.g. `checksum=sample`) names the
 * policy in errors. Throws {@link ParamError} for an unknown parameter or a bad value.
 */
export function resolveParams<P extends ParamSpecs>(
  policy: string,
  specs: P | undefined,
  given: Readonly<Record<string, ParamInput>> = {},
): ParamValues<P> {
  const all: ParamSpecs = specs ?? {};
  const expected = () =>
    Object.keys(all).length
      ? `its parameters are ${Object.entries(all)
          .map(([n, s]) => describeParam(n, s))
          .join(", ")}`
      : "it takes no parameters";
  const out: Record<string, number | string | boolean> = {};
  for (const [name, spec] of Object.entries(all)) out[name] = spec.default;
  for (const [name, input] of Object.entries(given)) {
    const spec = all[name];
    if (!spec) throw new ParamError(`${policy} has no parameter "${name}"; ${expected()}`);
    const v = coerce(spec, input);
    const bad = v === undefined ? aType(spec) : outOfRange(spec, v);
    if (bad) throw new ParamError(`${policy}: ${name} must be ${bad}, got ${JSON.stringify(input)}`);
    out[name] = v!;
  }
  return out as ParamValues<P>;
}

/** A policy as the command line spells it: `NAME` or `NAME:key=value,key=value`. */
export interface PolicySpec {
  readonly name: string;
  readonly params: Readonly<Record<string, string>>;
}

/** Parses `NAME[:key=value,…]`; throws {@link ParamError} saying what is malformed. */
export function parsePolicySpec(text: string): PolicySpec {
  const m = /^([A-Za-z0-9][\w.-]*)(?::(.*))?$/.exec(text);
  if (!m)
    throw new ParamError(`"${text}" is not a policy NAME[:key=value,…] (a name of letters, digits, . _ -)`);
  const params: Record<string, string> = {};
  if (m[2] !== undefined)
    for (const pair of m[2].split(",")) {
      const kv = /^([A-Za-z_]\w*)=(.*)$/.exec(pair);
      if (!kv) throw new ParamError(`"${text}": "${pair}" is not key=value`);
      if (Object.hasOwn(params, kv[1]!)) throw new ParamError(`"${text}": ${kv[1]} is given twice`);
      params[kv[1]!] = kv[2]!;
    }
  return { name: m[1]!, params };
}

/** The canonical spelling of a policy with these values: `NAME` or `NAME:a=1,b=2` (keys sorted). */
export function formatPolicySpec(name: string, values: Readonly<Record<string, ParamInput>>): string {
  const keys = Object.keys(values).sort();
  return keys.length ? `${name}:${keys.map((k) => `${k}=${values[k]}`).join(",")}` : name;
}
