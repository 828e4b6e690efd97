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
