/** A typed-array constructor the stores grow. */
type Ctor = Int32ArrayConstructor | Uint32ArrayConstructor | Uint8ArrayConstructor | Float64ArrayConstructor;

/** Copies `a` into a larger array of the same type, filled with `fill` beyond the old length. */
export function grown<T extends Int32Array | Uint32Array | Uint8Array | Float64Array>(
  a: T,
  size: number,
  fill = 0,
): T {
  const b = new (a.constructor as Ctor)(size) as T;
  b.set(a);
  if (fill !== 0) b.fill(fill, a.length);
  return b;
}

/** A free list of integer handles with a high-water mark. */
export class HandlePool {
  private free: number[] = [];
  private next = 0;

  /** Live handles. */
  live = 0;

  /** A handle, reusing freed ones first; `grow(n)` is called when handles reach n. */
  alloc(grow: (n: number) => void, capacity: number): number {
    this.live++;
    const h = this.free.pop();
    if (h !== undefined) return h;
    if (this.next >= capacity) grow(Math.max(64, capacity * 2));
    return this.next++;
  }

  release(h: number): void {
    this.live--;
    this.free.push(h);
  }
}
