/** A free list of integer handles with a high-water mark. */
export class HandlePool {
  private free: number[] = [];
  private next = 0;

  /** Live handles. */
  live = 0;
  /** Handles allocated and released so far. */
  turnover = 0;

  /** A handle, reusing freed ones first; `grow(n)` is called when handles reach the capacity, with half as many again. */
  alloc(grow: (n: number) => void, capacity: number): number {
    this.live++;
    this.turnover++;
    const h = this.free.pop();
    if (h !== undefined) return h;
    if (this.next >= capacity) grow(Math.max(64, Math.ceil(capacity * 1.5)));
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
