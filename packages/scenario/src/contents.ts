import type { ContentId, ContentStore } from "@ksm/mm";
import type { ContentSpec } from "./types.js";

/** The contents of `count` consecutive pages filled with `spec` (scenario v1 semantics). */
export function expandContent(store: ContentStore, spec: ContentSpec, count: number): ContentId[] {
  const out = new Array<ContentId>(count);
  if (spec === "zero") return out.fill(0);
  if (spec === "unique") {
    for (let i = 0; i < count; i++) out[i] = store.unique();
    return out;
  }
  const pokes = spec.poke ?? [];
  if ("pattern" in spec) return out.fill(store.pattern(BigInt(spec.pattern), pokes));
  for (let i = 0; i < count; i++) out[i] = store.pattern(BigInt(spec.sequence + i), pokes);
  return out;
}
