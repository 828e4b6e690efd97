import type { ContentId, ContentStore } from "@ksm/mm";
import type { ContentSpec } from "./types.js";

/** Captured pages already interned, per store: by `b:BASE64` or `h:HASH`. */
const captured = new WeakMap<ContentStore, Map<string, ContentId>>();

/**
 * The content of page `i` of a run filled with `spec` (scenario v1 semantics), as a
 * function called once per page in order: a fill writes each page as it goes, with no
 * array of its contents ("unique" hands out one new content per call).
 */
export function contentSource(store: ContentStore, spec: ContentSpec): (i: number) => ContentId {
  if (spec === "zero") return () => 0;
  if (spec === "unique") return () => store.unique();
  if ("bytes" in spec || "hash" in spec) {
    const seen = captured.get(store) ?? new Map<string, ContentId>();
    captured.set(store, seen);
    const key = "bytes" in spec ? `b:${spec.bytes}` : `h:${spec.hash}`;
    let id = seen.get(key);
    if (id === undefined) {
      // a hash stands for a page equal to no other: its bytes are the store's to choose
      id = "bytes" in spec ? store.fromBytes(Buffer.from(spec.bytes, "base64")) : store.unique();
      seen.set(key, id);
    }
    const page = id;
    return () => page;
  }
  const pokes = spec.poke ?? [];
  if ("pattern" in spec) {
    const id = store.pattern(BigInt(spec.pattern), pokes);
    return () => id;
  }
  const first = spec.sequence;
  return (i) => store.pattern(BigInt(first + i), pokes);
}

/** The contents of `count` consecutive pages filled with `spec` (scenario v1 semantics). */
export function expandContent(store: ContentStore, spec: ContentSpec, count: number): ContentId[] {
  const at = contentSource(store, spec);
  const out = new Array<ContentId>(count);
  for (let i = 0; i < count; i++) out[i] = at(i);
  return out;
}
