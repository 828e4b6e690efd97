import { ABORT, ABORTED, type ContentIndex, type ContentIndexFactory, NIL, RESTART } from "@ksm/contracts";

/** Most levels a node can have (with p = 1/4, enough for 4^16 nodes). */
export const SKIPLIST_MAX_LEVEL = 16;
/** A link to a root's head (the predecessor of a level's first node). */
const HEAD = -3;

/** Options of {@link SkipListIndex}. */
export interface SkipListOptions {
  /** Seed of the level generator (default 1): the same seed gives the same lists. */
  readonly seed?: number;
}

/**
 * A skip list (Pugh, 1990) over integer node handles: each node has 1 to 16 levels (each
 * further level with probability 1/4, drawn from a seeded xorshift generator, so runs are
 * reproducible bit for bit), and its forward and backward links at every level live in one
 * pooled Int32Array (`2 × levels` slots per node). A search walks right along the top level
 * and drops a level where the next node sorts after the probe, visiting each node it
 * compares once.
 */
export class SkipListIndex implements ContentIndex {
  readonly name = "skiplist";
  visited = 0;
  /** Levels of each node (0: owns no link block). */
  height = new Uint8Array(0);
  /** Start of each node's link block in {@link links}: next[0..h), then prev[0..h). */
  base = new Int32Array(0);
  links = new Int32Array(256);
  /** Per root: the first node of each level. */
  readonly heads: Int32Array;
  /** Per root: levels in use. */
  readonly levels: Uint8Array;
  private top = 0;
  private readonly free: number[][] = Array.from({ length: SKIPLIST_MAX_LEVEL + 1 }, () => []);
  private readonly update = new Int32Array(SKIPLIST_MAX_LEVEL);
  private state: number;

  constructor(roots: number, opts: SkipListOptions = {}) {
    this.heads = new Int32Array(roots * SKIPLIST_MAX_LEVEL).fill(NIL);
    this.levels = new Uint8Array(roots);
    this.state = (opts.seed ?? 1) >>> 0 || 1;
    this.ensure(64);
  }

  ensure(n: number): void {
    if (n <= this.height.length) return;
    const size = Math.max(n, Math.ceil(this.height.length * 1.5));
    const h = new Uint8Array(size);
    h.set(this.height);
    this.height = h;
    const b = new Int32Array(size);
    b.set(this.base);
    this.base = b;
  }

  /** The node after `node` (HEAD: the first) at `level` of root `r`. */
  nextOf(r: number, node: number, level: number): number {
    return node === HEAD
      ? this.heads[r * SKIPLIST_MAX_LEVEL + level]!
      : this.links[this.base[node]! + level]!;
  }

  private setNext(r: number, node: number, level: number, to: number): void {
    if (node === HEAD) this.heads[r * SKIPLIST_MAX_LEVEL + level] = to;
    else this.links[this.base[node]! + level] = to;
  }

  private setPrev(node: number, level: number, to: number): void {
    this.links[this.base[node]! + this.height[node]! + level] = to;
  }

  private prevOf(node: number, level: number): number {
    return this.links[this.base[node]! + this.height[node]! + level]!;
  }

  find(r: number, _key: number, visit: (node: number) => number): number {
    restart: for (;;) {
      let cur = HEAD;
      // the lowest node known to sort after the probe: not compared again on lower levels
      let bound = NIL;
      for (let level = this.levels[r]! - 1; level >= 0; ) {
        let next = this.nextOf(r, cur, level);
        if (next === NIL || next === bound) {
          this.update[level--] = cur;
          continue;
        }
        this.visited++;
        const ret = visit(next);
        if (ret === RESTART) continue restart;
        if (ret === ABORT) return ABORTED;
        // the visit may have replaced the node: re-read the link we came through
        next = this.nextOf(r, cur, level);
        if (ret === 0) return next;
        if (ret > 0) cur = next;
        else {
          bound = next;
          this.update[level--] = cur;
        }
      }
      return NIL;
    }
  }

  insertHere(r: number, node: number, _key: number): void {
    const h = this.randomLevel();
    this.allocLinks(node, h);
    const levels = this.levels[r]!;
    for (let l = levels; l < h; l++) this.update[l] = HEAD;
    if (h > levels) this.levels[r] = h;
    for (let l = 0; l < h; l++) {
      const pred = this.update[l]!;
      const succ = this.nextOf(r, pred, l);
      this.links[this.base[node]! + l] = succ;
      this.setPrev(node, l, pred);
      this.setNext(r, pred, l, node);
      if (succ !== NIL) this.setPrev(succ, l, node);
    }
  }

  erase(r: number, node: number): void {
    const h = this.height[node]!;
    for (let l = 0; l < h; l++) {
      const p = this.prevOf(node, l);
      const n = this.nextOf(r, node, l);
      this.setNext(r, p, l, n);
      if (n !== NIL) this.setPrev(n, l, p);
    }
    this.releaseLinks(node);
    let levels = this.levels[r]!;
    while (levels > 0 && this.heads[r * SKIPLIST_MAX_LEVEL + levels - 1] === NIL) levels--;
    this.levels[r] = levels;
  }

  replace(r: number, victim: number, repl: number): void {
    this.releaseLinks(repl);
    const h = this.height[victim]!;
    this.height[repl] = h;
    this.base[repl] = this.base[victim]!;
    this.height[victim] = 0;
    for (let l = 0; l < h; l++) {
      this.setNext(r, this.prevOf(repl, l), l, repl);
      const n = this.nextOf(r, repl, l);
      if (n !== NIL) this.setPrev(n, l, repl);
    }
  }

  /** O(1): the root's head forgets its levels; the nodes' link blocks are reused when they are linked again. */
  reset(r: number): void {
    this.heads.fill(NIL, r * SKIPLIST_MAX_LEVEL, (r + 1) * SKIPLIST_MAX_LEVEL);
    this.levels[r] = 0;
  }

  any(r: number): number {
    return this.heads[r * SKIPLIST_MAX_LEVEL]!;
  }

  /** 1 + the number of leading zero bit pairs of a 32-bit draw (probability 1/4 per level). */
  private randomLevel(): number {
    // xorshift32 (Marsaglia 2003)
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    let h = 1;
    while (h < SKIPLIST_MAX_LEVEL && (x & 3) === 0) {
      h++;
      x >>>= 2;
    }
    return h;
  }

  private allocLinks(node: number, h: number): void {
    if (this.height[node] === h) return;
    this.releaseLinks(node);
    let b = this.free[h]!.pop();
    if (b === undefined) {
      b = this.top;
      this.top += 2 * h;
      if (this.top > this.links.length) {
        const grown = new Int32Array(Math.max(this.top, this.links.length * 2));
        grown.set(this.links);
        this.links = grown;
      }
    }
    this.base[node] = b;
    this.height[node] = h;
  }

  private releaseLinks(node: number): void {
    const h = this.height[node]!;
    if (h === 0) return;
    this.free[h]!.push(this.base[node]!);
    this.height[node] = 0;
  }
}

/** The skip list, with levels from a seeded generator (seed 1 unless given). */
export function skiplistIndex(opts: SkipListOptions = {}): ContentIndexFactory {
  return {
    name: "skiplist",
    description: "skip list ordered by memcmp, levels from a seeded PRNG (Pugh 1990)",
    create: (roots) => new SkipListIndex(roots, opts),
  };
}
