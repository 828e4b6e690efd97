/**
 * A free list of integer handles with a high-water mark. `grow(n)` makes room for `n`
 * handles in its owner's columns; it is given once here, so that an allocation on a hot path
 * makes no closure (an arrow written at the call would make V8 allocate the caller's context
 * at every call, even when no room is needed).
 */
export class HandlePool {
  constructor(private readonly grow: (n: number) => void) {}

  private free: number[] = [];
  private next = 0;

  /** Live handles. */
  live = 0;
  /** Handles allocated and released so far. */
  turnover = 0;

  /** A handle, reusing freed ones first; `grow(n)` is called when handles reach the capacity, with half as many again. */
  alloc(capacity: number): number {
    this.live++;
    this.turnover++;
    const h = this.free.pop();
    if (h !== undefined) return h;
    if (this.next >= capacity) this.grow(Math.max(64, Math.ceil(capacity * 1.5)));
    return this.next++;
  }

  release(h: number): void {
    this.live--;
    this.turnover++;
    this.free.push(h);
  }
  /** The pool's state as numbers (next fresh handle, live count, free list in order), for a state digest. */
  state(): Int32Array {
    const out = new Int32Array(2 + this.free.length);
    out[0] = this.next;
    out[1] = this.live;
    for (let i = 0; i < this.free.length; i++) out[2 + i] = this.free[i]!;
    return out;
  }
}
