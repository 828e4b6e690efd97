/**
 * A typed array a store keeps one field of its records in: a column of a struct of arrays
 * indexed by integer handles (frames by pfn, rmap_items and stable nodes by handle).
 */
export type TypedColumn = Int32Array | Uint32Array | Uint16Array | Uint8Array | Float64Array;

type ColumnCtor =
  | Int32ArrayConstructor
  | Uint32ArrayConstructor
  | Uint16ArrayConstructor
  | Uint8ArrayConstructor
  | Float64ArrayConstructor;

/**
 * The column `a` grown to `size` entries: a new array of the same type holding `a`'s
 * entries, with `fill` beyond them (0 by default, as a fresh typed array). A store grows
 * every column to the same size when its handles run out; `size` below `a.length` is a
 * RangeError, as a store never shrinks.
 */
export function grown<T extends TypedColumn>(a: T, size: number, fill = 0): T {
  if (size < a.length) throw new RangeError(`grown: ${size} entries cannot hold the ${a.length} there are`);
  const b = new (a.constructor as ColumnCtor)(size) as T;
  b.set(a);
  if (fill !== 0) b.fill(fill, a.length);
  return b;
}
