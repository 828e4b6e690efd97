import { ABORT, ABORTED, type ContentIndex, type ContentIndexFactory, NIL, RESTART } from "@ksm/contracts";
import { PAGE_SIZE } from "@ksm/mm";

const INITIAL_BITS = 6;

/** One root's bucket table. */
interface Table {
  bits: number;
  heads: Int32Array;
  /** Generation each bucket head was written in; older heads read as empty. */
  gens: Uint32Array;
  gen: number;
  count: number;
  /** Where {@link HashIndex.any} looks first. */
  cursor: number;
}

/**
 * Content-hash buckets with a full compare on a hit, as VMware ESX's transparent page sharing
 * keeps its pages (Waldspurger, OSDI 2002): a node lives in the bucket of its content key, a
 * search looks only at the probe's bucket and calls `visit` (the full page compare) only on
 * nodes whose stored key equals the probe's. Chains are doubly linked through typed arrays;
 * the table doubles when it holds more nodes than buckets; `reset` bumps the root's
 * generation so that every bucket reads empty, in O(1).
 *
 * The key the core passes is an exact content hash (equal keys, equal contents), so a hit
 * is confirmed by one compare. A node keeps the key it was inserted with: an unstable-tree
 * page written since is found only under its old content, and the compare then says no.
 */
export class HashIndex implements ContentIndex {
  readonly name = "hash";
  visited = 0;
  /** Each lookup hashes the probe's page once (`PAGE_SIZE` bytes), as a content-hash index must. */
  hashedBytes = 0;
  /** Buckets keep no memcmp order: searches never pass other contents' chains. */
  readonly ordered = false;
  next = new Int32Array(0);
  prev = new Int32Array(0);
  /** Each node's content key. */
  keys = new Uint32Array(0);
  /** The generation of its root each node was linked in. */
  nodeGen = new Uint32Array(0);
  readonly tables: Table[];

  constructor(roots: number) {
    this.tables = Array.from({ length: roots }, () => ({
      bits: INITIAL_BITS,
      heads: new Int32Array(1 << INITIAL_BITS).fill(NIL),
      gens: new Uint32Array(1 << INITIAL_BITS),
      gen: 1,
      count: 0,
      cursor: 0,
    }));
    this.ensure(64);
  }

  ensure(n: number): void {
    if (n <= this.next.length) return;
    const size = Math.max(n, Math.ceil(this.next.length * 1.5));
    const grow = <T extends Int32Array | Uint32Array>(a: T, make: (n: number) => T): T => {
      const b = make(size);
      b.set(a);
      return b;
    };
    this.next = grow(this.next, (k) => new Int32Array(k));
    this.prev = grow(this.prev, (k) => new Int32Array(k));
    this.keys = grow(this.keys, (k) => new Uint32Array(k));
    this.nodeGen = grow(this.nodeGen, (k) => new Uint32Array(k));
  }

  /** Bucket of a key: Fibonacci hashing (the top bits of key × 2^32/φ). */
  bucketOf(t: Table, key: number): number {
    return Math.imul(key >>> 0, 0x9e3779b1) >>> (32 - t.bits);
  }

  private head(t: Table, b: number): number {
    return t.gens[b] === t.gen ? t.heads[b]! : NIL;
  }

  private setHead(t: Table, b: number, node: number): void {
    t.heads[b] = node;
    t.gens[b] = t.gen;
  }

  find(r: number, key: number, visit: (node: number) => number): number {
    this.hashedBytes += PAGE_SIZE;
    const t = this.tables[r]!;
    const k = key >>> 0;
    restart: for (;;) {
      const b = this.bucketOf(t, k);
      let prev = NIL;
      let cur = this.head(t, b);
      while (cur !== NIL) {
        if (this.keys[cur] === k) {
          this.visited++;
          const ret = visit(cur);
          if (ret === RESTART) continue restart;
          if (ret === ABORT) return ABORTED;
          // the visit may have replaced the node: re-read the link we came through
          cur = prev === NIL ? this.head(t, b) : this.next[prev]!;
          if (ret === 0) return cur;
        }
        prev = cur;
        cur = this.next[cur]!;
      }
      return NIL;
    }
  }

  insertHere(r: number, node: number, key: number): void {
    const t = this.tables[r]!;
    if (t.count >= t.heads.length) this.grow(t);
    this.keys[node] = key >>> 0;
    this.nodeGen[node] = t.gen;
    this.link(t, node);
    t.count++;
  }

  erase(r: number, node: number): void {
    const t = this.tables[r]!;
    if (this.nodeGen[node] !== t.gen) return; // linked before the last reset: already gone
    const p = this.prev[node]!;
    const n = this.next[node]!;
    if (p === NIL) this.setHead(t, this.bucketOf(t, this.keys[node]!), n);
    else this.next[p] = n;
    if (n !== NIL) this.prev[n] = p;
    this.nodeGen[node] = 0;
    t.count--;
  }

  replace(r: number, victim: number, repl: number): void {
    const t = this.tables[r]!;
    const p = this.prev[victim]!;
    const n = this.next[victim]!;
    this.keys[repl] = this.keys[victim]!;
    this.nodeGen[repl] = this.nodeGen[victim]!;
    this.prev[repl] = p;
    this.next[repl] = n;
    if (p === NIL) this.setHead(t, this.bucketOf(t, this.keys[repl]!), repl);
    else this.next[p] = repl;
    if (n !== NIL) this.prev[n] = repl;
    this.nodeGen[victim] = 0;
  }

  reset(r: number): void {
    const t = this.tables[r]!;
    t.gen = (t.gen + 1) >>> 0 || 1;
    t.count = 0;
  }

  any(r: number): number {
    const t = this.tables[r]!;
    if (t.count === 0) return NIL;
    const size = t.heads.length;
    for (let i = 0; i < size; i++) {
      const b = (t.cursor + i) & (size - 1);
      const h = this.head(t, b);
      if (h !== NIL) {
        t.cursor = b;
        return h;
      }
    }
    return NIL;
  }

  /** Pushes `node` on the front of its bucket's chain. */
  private link(t: Table, node: number): void {
    const b = this.bucketOf(t, this.keys[node]!);
    const h = this.head(t, b);
    this.prev[node] = NIL;
    this.next[node] = h;
    if (h !== NIL) this.prev[h] = node;
    this.setHead(t, b, node);
  }

  /** Doubles the bucket table and relinks the live nodes (each chain keeps its order). */
  private grow(t: Table): void {
    const oldHeads = t.heads;
    const oldGens = t.gens;
    const gen = t.gen;
    t.bits++;
    t.heads = new Int32Array(1 << t.bits).fill(NIL);
    t.gens = new Uint32Array(1 << t.bits);
    t.cursor = 0;
    for (let b = 0; b < oldHeads.length; b++) {
      if (oldGens[b] !== gen) continue;
      let last = oldHeads[b]!;
      if (last === NIL) continue;
      while (this.next[last] !== NIL) last = this.next[last]!;
      // relink from the tail so that pushing on the front keeps the chain order
      for (let n = last; n !== NIL; ) {
        const p = this.prev[n]!;
        this.link(t, n);
        n = p;
      }
    }
  }
}

/** Content-hash buckets, as VMware ESX's page sharing. */
export const hashIndex: ContentIndexFactory = {
  name: "hash",
  description: "hash table keyed by content hash, full compare on a hit (VMware ESX page sharing)",
  create: (roots) => new HashIndex(roots),
};
