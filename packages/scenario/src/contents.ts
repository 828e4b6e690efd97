import type { ContentId, ContentStore } from "@ksm/mm";
import type { ContentSpec } from "./types.js";

/** Captured pages already interned, per store: by `b:BASE64` or `h:HASH`. */
const captured = new WeakMap<ContentStore, Map<string, ContentId>>();

/** The contents of `count` consecutive pages filled with `spec` (scenario v1 semantics). */
export function expandContent(store: ContentStore, spec: ContentSpec, count: number): ContentId[] {
  const out = new Array<ContentId>(count);
  if (spec === "zero") return out.fill(0);
  if (spec === "unique") {
    for (let i = 0; i < count; i++) out[i] = store.unique();
    return out;
  }
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
    return out.fill(id);
  }
  const pokes = spec.poke ?? [];
  if ("pattern" in spec) return out.fill(store.pattern(BigInt(spec.pattern), pokes));
  for (let i = 0; i < count; i++) out[i] = store.pattern(BigInt(spec.sequence + i), pokes);
  return out;
}
