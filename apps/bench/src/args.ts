/** Parsed command-line flags: `--name value`, `--name=value`, or boolean `--name`. */
export interface Args {
  readonly positional: string[];
  readonly flags: Map<string, string[]>;
}

/** A usage error: printed as one line, exit code 2. */
export class UsageError extends Error {}

/**
 * Parses `argv`; flags in `booleans` take no value. Every flag must be in `known` (a
 * misspelt flag is an error, not silently ignored).
 */
export function parseArgs(
  argv: readonly string[],
  known: readonly string[],
  booleans: readonly string[],
): Args {
  const positional: string[] = [];
  const flags = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith("--")) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    const name = a.slice(2, eq < 0 ? undefined : eq);
    if (!known.includes(name) && !booleans.includes(name))
      throw new UsageError(
        `unknown flag --${name}; expected one of ${[...known, ...booleans].map((k) => `--${k}`).join(", ")}`,
      );
    let value: string;
    if (booleans.includes(name)) value = eq < 0 ? "true" : a.slice(eq + 1);
    else if (eq >= 0) value = a.slice(eq + 1);
    else {
      const next = argv[++i];
      if (next === undefined) throw new UsageError(`--${name} needs a value`);
      value = next;
    }
    flags.set(name, [...(flags.get(name) ?? []), value]);
  }
  return { positional, flags };
}

/** The last value of a flag, or undefined. */
export function flag(args: Args, name: string): string | undefined {
  const v = args.flags.get(name);
  return v?.[v.length - 1];
}

/** An integer flag from `min` to `max`, or `fallback`. */
export function intFlag(
  args: Args,
  name: string,
  fallback: number,
  min = Number.MIN_SAFE_INTEGER,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const v = flag(args, name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) {
    const range =
      max < Number.MAX_SAFE_INTEGER
        ? ` from ${min} to ${max}`
        : min > Number.MIN_SAFE_INTEGER
          ? ` of at least ${min}`
          : "";
    throw new UsageError(`--${name} expects a whole number${range}, got "${v}"`);
  }
  return n;
}

/**
 * Checks a target's counts before it runs anything: a RangeError names the first
 * `[flag, value]` that is not a whole number above 0.
 */
export function requireCounts(counts: readonly (readonly [string, number])[]): void {
  for (const [flag, v] of counts)
    if (!(Number.isInteger(v) && v >= 1))
      throw new RangeError(`${flag}: expected a whole number above 0, got ${v}`);
}

/** `--quiet-wait`: the longest wait for an idle machine, seconds (default 120). */
export function quietWaitFlag(args: Args): number {
  return intFlag(args, "quiet-wait", 120, 0);
}

/** A comma-separated list flag, or undefined. */
export function listFlag(args: Args, name: string): string[] | undefined {
  const v = flag(args, name);
  return v === undefined ? undefined : v.split(",").filter((x) => x);
}

/** The most seeds one list may name (a typo such as 1-30000000 should not plan forever). */
export const MAX_SEEDS = 10_000;

/**
 * Seeds: `1,2,5` or `1-3` (or both, `1-3,7`), each a whole number from 0 to 2^32 − 1, each
 * once; a range must not run backwards. `flag` names the option in errors.
 */
export function parseSeeds(text: string, flag = "--seeds"): number[] {
  const out: number[] = [];
  const seen = new Set<number>();
  const expected =
    "expected a list such as 1,2,3 or 1-30 (whole numbers from 0 to 4294967295, ranges low-high)";
  for (const part of text.split(",")) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) throw new UsageError(`${flag} "${text}": "${part}" is not a seed or a range; ${expected}`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b > 0xffff_ffff) throw new UsageError(`${flag} "${text}": ${b} is out of range; ${expected}`);
    if (a > b) throw new UsageError(`${flag} "${text}": the range ${part} runs backwards; ${expected}`);
    if (out.length + b - a + 1 > MAX_SEEDS)
      throw new UsageError(`${flag} "${text}" names more than ${MAX_SEEDS} seeds; ${expected}`);
    for (let s = a; s <= b; s++) {
      if (seen.has(s)) throw new UsageError(`${flag} "${text}" names seed ${s} twice; ${expected}`);
      seen.add(s);
      out.push(s);
    }
  }
  return out;
}

/** `--param name=value` (or `workload.name=value`) flags as numbers, by workload ("" for any). */
export function paramFlags(args: Args): Map<string, Record<string, number>> {
  const out = new Map<string, Record<string, number>>();
  for (const p of args.flags.get("param") ?? []) {
    const m = /^(?:([\w-]+)\.)?(\w+)=(-?[\d.e+]+)$/.exec(p);
    if (!m || !Number.isFinite(Number(m[3])))
      throw new UsageError(`bad --param "${p}"; expected name=number or workload.name=number`);
    const w = m[1] ?? "";
    out.set(w, { ...(out.get(w) ?? {}), [m[2]!]: Number(m[3]) });
  }
  return out;
}
