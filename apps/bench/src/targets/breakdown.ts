/** Bytes a typed-array field of the live simulation holds, under its property path. */
export interface HeldField {
  /** Property path from the simulation's roots, e.g. `machine.frames.content`. */
  readonly path: string;
  /** Bytes of the array buffers under it (capacity, not just the entries in use). */
  readonly bytes: number;
}

/**
 * Where the array-buffer bytes of a live simulation go: every typed array reachable from
 * `roots` (own properties, Map values, array elements), each buffer counted once, summed
 * under the first `depth` segments of the shortest path that reaches it (array and Map
 * elements are summed under their container). Largest first. JS objects themselves are
 * not counted: this is the typed-array part of the metadata, field by field.
 */
export function heldFields(roots: Record<string, unknown>, depth = 3): HeldField[] {
  const seen = new Set<unknown>();
  const sums = new Map<string, number>();
  const add = (path: string[], bytes: number) => {
    const key = path.slice(0, depth).join(".");
    sums.set(key, (sums.get(key) ?? 0) + bytes);
  };
  // breadth first: a buffer is counted under the shortest path that reaches it
  const queue: [unknown, string[]][] = Object.entries(roots).map(([k, v]) => [v, [k]]);
  for (let i = 0; i < queue.length; i++) {
    const [v, path] = queue[i]!;
    if (v === null || typeof v !== "object" || seen.has(v)) continue;
    seen.add(v);
    if (ArrayBuffer.isView(v)) {
      if (!seen.has(v.buffer)) {
        seen.add(v.buffer);
        add(path, v.buffer.byteLength);
      }
      continue;
    }
    if (v instanceof Map) {
      for (const x of v.values()) queue.push([x, path]);
      continue;
    }
    if (Array.isArray(v) || v instanceof Set) {
      for (const x of v) queue.push([x, path]);
      continue;
    }
    for (const [k, x] of Object.entries(v)) queue.push([x, [...path, k]]);
  }
  return [...sums].map(([path, bytes]) => ({ path, bytes })).sort((a, b) => b.bytes - a.bytes);
}
