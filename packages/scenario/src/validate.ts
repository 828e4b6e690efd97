import { ScenarioError } from "./errors.js";
import type { ContentSpec, Range } from "./types.js";

/** A JSON object being validated. */
export type Obj = Record<string, unknown>;

const SEED_LIMIT = 2 ** 53;

/** `v` as an object, else a {@link ScenarioError} at `path`. */
export function object(v: unknown, path: string): Obj {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new ScenarioError(path, "an object", v);
  return v as Obj;
}

/** `v` as an array, else a {@link ScenarioError} at `path`. */
export function array(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) throw new ScenarioError(path, "an array", v);
  return v;
}

/** `v` as a non-empty string, else a {@link ScenarioError} at `path`. */
export function string(v: unknown, path: string): string {
  if (typeof v !== "string" || v.length === 0) throw new ScenarioError(path, "a non-empty string", v);
  return v;
}

/** `v` as a boolean, else a {@link ScenarioError} at `path`. */
export function boolean(v: unknown, path: string): boolean {
  if (typeof v !== "boolean") throw new ScenarioError(path, "true or false", v);
  return v;
}

/** `v` as an integer in [min, max], else a {@link ScenarioError} at `path`. */
export function integer(v: unknown, path: string, min: number, max: number): number {
  if (!Number.isInteger(v) || (v as number) < min || (v as number) > max)
    throw new ScenarioError(path, `an integer from ${min} to ${max}`, v);
  return v as number;
}

/** `v` as a finite number >= min, else a {@link ScenarioError} at `path`. */
export function number(v: unknown, path: string, min: number): number {
  if (typeof v !== "number" || !Number.isFinite(v) || v < min)
    throw new ScenarioError(path, `a number >= ${min}`, v);
  return v;
}

/** Rejects fields not in `keys`; one in `v2Keys` is named as a v2 field. */
export function allowOnly(o: Obj, path: string, keys: readonly string[], v2Keys?: readonly string[]): void {
  for (const k of Object.keys(o)) {
    if (keys.includes(k)) continue;
    if (v2Keys?.includes(k))
      throw new ScenarioError(`${path}.${k}`, 'a v1 field (this one is v2: set "version": 2)');
    throw new ScenarioError(`${path}.${k}`, `no such field here (known: ${keys.join(", ")})`);
  }
}

/** `v` as a `[from, to)` range inside a region of `pages` pages. */
export function parseRange(v: unknown, path: string, pages: number): Range {
  const expected = `[from, to) page indices with 0 <= from <= to <= ${pages} (the region's pages)`;
  if (!Array.isArray(v) || v.length !== 2 || !v.every((x) => Number.isInteger(x)))
    throw new ScenarioError(path, expected, v);
  const [a, b] = v as [number, number];
  if (!(a >= 0 && a <= b && b <= pages)) throw new ScenarioError(path, expected, v);
  return [a, b];
}

/** `v` as the content of `count` consecutive pages (a sequence must not run past 2^53). */
export function parseContent(v: unknown, path: string, count: number): ContentSpec {
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
