import { ABORT, ABORTED, type ContentIndex, type ContentIndexFactory, NIL, RESTART } from "@ksm/contracts";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  AvlTreeIndex,
  avlIndex,
  HashIndex,
  hashIndex,
  rbtreeIndex,
  SkipListIndex,
  skiplistIndex,
} from "../src/index.js";

const FACTORIES: ContentIndexFactory[] = [rbtreeIndex, avlIndex, skiplistIndex(), hashIndex];
const ROOTS = 2;

type Op =
  | { op: "find"; r: number; content: number; insert: boolean }
  | { op: "erase" | "replace" | "stale" | "replaceOnVisit" | "abortOnVisit"; r: number; pick: number }
  | { op: "reset" | "any"; r: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      op: fc.constant("find" as const),
      r: fc.nat(ROOTS - 1),
      content: fc.nat(60),
      insert: fc.boolean(),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constantFrom(
        "erase" as const,
        "replace" as const,
        "stale" as const,
        "replaceOnVisit" as const,
        "abortOnVisit" as const,
      ),
      r: fc.nat(ROOTS - 1),
      pick: fc.nat(1000),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constantFrom("reset" as const, "any" as const), r: fc.nat(ROOTS - 1) }),
  },
);

/**
 * The reference: per root, the linked nodes keyed by content (a sorted array), with the flags
 * a visit acts on (stale: the visit erases the node and asks for a restart, as a stale stable
 * node does; replace: the visit puts a new handle in its place, as a collapsing chain does;
 * abort: the visit gives up, as a vanished unstable page does).
 */
class Model {
  readonly content: number[] = [];
  readonly roots: number[][] = Array.from({ length: ROOTS }, () => []);
  readonly stale = new Set<number>();
  readonly replaceOnVisit = new Set<number>();
  readonly abortOnVisit = new Set<number>();
  private readonly free: number[] = [];

  constructor(readonly index: ContentIndex) {}

  alloc(content: number): number {
    const node = this.free.pop() ?? this.content.length;
    this.content[node] = content;
    this.index.ensure(this.content.length + 1);
    return node;
  }

  unlink(r: number, node: number): void {
    const nodes = this.roots[r]!;
    nodes.splice(nodes.indexOf(node), 1);
    this.release(node);
  }

  /** Returns an unlinked handle to the pool (the core reuses freed handles too). */
  release(node: number): void {
    this.stale.delete(node);
    this.replaceOnVisit.delete(node);
    this.abortOnVisit.delete(node);
    this.free.push(node);
  }

  link(r: number, node: number): void {
    const nodes = this.roots[r]!;
    nodes.push(node);
    nodes.sort((a, b) => this.content[a]! - this.content[b]!);
  }

  /** The visit the core would pass: compare, after acting on the node's flags. */
  visitor(r: number, probe: number, seen: number[]): (node: number) => number {
    return (node) => {
      seen.push(node);
      expect(this.roots[r]).toContain(node);
      if (this.abortOnVisit.has(node)) return ABORT;
      if (this.stale.has(node)) {
        this.index.erase(r, node);
        this.unlink(r, node);
        return RESTART;
      }
      const c = this.content[node]!;
      if (this.replaceOnVisit.has(node)) {
        const repl = this.alloc(c);
        this.index.replace(r, node, repl);
        const nodes = this.roots[r]!;
        nodes[nodes.indexOf(node)] = repl;
        this.release(node);
      }
      return Math.sign(probe - c);
    };
  }

  /** Checks that `find` returns each linked node for its own content (without flags acting). */
  checkAll(): void {
    for (let r = 0; r < ROOTS; r++) {
      for (const node of this.roots[r]!) {
        const c = this.content[node]!;
        const found = this.index.find(r, c, (n) => {
          expect(this.roots[r]).toContain(n);
          return Math.sign(c - this.content[n]!);
        });
        expect(found).toBe(node);
      }
      const any = this.index.any(r);
      if (this.roots[r]!.length === 0) expect(any).toBe(NIL);
      else expect(this.roots[r]).toContain(any);
    }
  }
}

function run(factory: ContentIndexFactory, ops: Op[]): void {
  const index = factory.create(ROOTS);
  const m = new Model(index);
  for (const o of ops) {
    const nodes = m.roots[o.r]!;
    switch (o.op) {
      case "find": {
        const equal = nodes.find((n) => m.content[n] === o.content);
        const equalWasStale = equal !== undefined && m.stale.has(equal);
        const abortable = nodes.some((n) => m.abortOnVisit.has(n));
        const seen: number[] = [];
        const before = index.visited;
        const got = index.find(o.r, o.content, m.visitor(o.r, o.content, seen));
        expect(index.visited - before).toBe(seen.length);
        if (got === ABORTED) {
          expect(abortable).toBe(true);
          expect(seen.some((n) => m.abortOnVisit.has(n))).toBe(true);
          break;
        }
        const now = nodes.find((n) => m.content[n] === o.content);
        if (equal === undefined || equalWasStale) {
          expect(got).toBe(NIL);
          expect(now).toBeUndefined();
          if (o.insert) {
            const node = m.alloc(o.content);
            index.insertHere(o.r, node, o.content);
            m.link(o.r, node);
          }
        } else {
          // the equal node, or the handle that replaced it during the walk
          expect(got).toBe(now);
        }
        break;
      }
      case "erase":
      case "replace":
      case "stale":
      case "replaceOnVisit":
      case "abortOnVisit": {
        if (nodes.length === 0) break;
        const node = nodes[o.pick % nodes.length]!;
        if (o.op === "erase") {
          index.erase(o.r, node);
          m.unlink(o.r, node);
        } else if (o.op === "replace") {
          const repl = m.alloc(m.content[node]!);
          index.replace(o.r, node, repl);
          nodes[nodes.indexOf(node)] = repl;
          for (const s of [m.stale, m.replaceOnVisit, m.abortOnVisit]) if (s.delete(node)) s.add(repl);
          m.release(node);
        } else if (o.op === "stale") m.stale.add(node);
        else if (o.op === "replaceOnVisit") m.replaceOnVisit.add(node);
        else m.abortOnVisit.add(node);
        break;
      }
      case "reset":
        index.reset(o.r);
        for (const n of [...nodes]) m.unlink(o.r, n);
        break;
      case "any": {
        const any = index.any(o.r);
        if (nodes.length === 0) expect(any).toBe(NIL);
        else expect(nodes).toContain(any);
        break;
      }
    }
    structure(index, m);
  }
  m.stale.clear();
  m.replaceOnVisit.clear();
  m.abortOnVisit.clear();
  m.checkAll();
}

/** Variant-specific invariants, checked after every operation. */
function structure(index: ContentIndex, m: Model): void {
  if (index instanceof AvlTreeIndex) {
    const t = index.tree;
    for (let r = 0; r < ROOTS; r++) {
      const order: number[] = [];
      const walk = (n: number, parent: number): number => {
        if (n === NIL) return 0;
        expect(t.parentOf(n)).toBe(parent);
        const l = walk(t.leftOf(n), n);
        order.push(n);
        const h = walk(t.rightOf(n), n);
        expect(Math.abs(l - h)).toBeLessThanOrEqual(1);
        expect(t.height[n]).toBe(1 + Math.max(l, h));
        return 1 + Math.max(l, h);
      };
      walk(t.roots[r]!, NIL);
      expect(order).toEqual(m.roots[r]);
    }
  } else if (index instanceof SkipListIndex) {
    for (let r = 0; r < ROOTS; r++) {
      const levels = index.levels[r]!;
      for (let l = 0; l < levels; l++) {
        let prev = -3;
        const list: number[] = [];
        for (let n = index.nextOf(r, -3, l); n !== NIL; n = index.nextOf(r, n, l)) {
          expect(index.height[n]).toBeGreaterThan(l);
          expect(index.links[index.base[n]! + index.height[n]! + l]).toBe(prev);
          list.push(n);
          prev = n;
        }
        if (l === 0) expect(list).toEqual(m.roots[r]);
        else expect(m.roots[r]!.filter((n) => list.includes(n))).toEqual(list);
        expect(list.length).toBeGreaterThan(0);
      }
      if (levels === 0) expect(m.roots[r]).toEqual([]);
    }
  } else if (index instanceof HashIndex) {
    for (let r = 0; r < ROOTS; r++) {
      const t = index.tables[r]!;
      const all: number[] = [];
      for (let b = 0; b < t.heads.length; b++) {
        if (t.gens[b] !== t.gen) continue;
        let prev = NIL;
        for (let n = t.heads[b]!; n !== NIL; n = index.next[n]!) {
          expect(index.prev[n]).toBe(prev);
          expect(index.bucketOf(t, index.keys[n]!)).toBe(b);
          expect(index.keys[n]).toBe(m.content[n]);
          all.push(n);
          prev = n;
        }
      }
      expect(t.count).toBe(all.length);
      expect(all.sort((a, b) => a - b)).toEqual([...m.roots[r]!].sort((a, b) => a - b));
    }
  }
}

describe.each(FACTORIES)("content index $name", (factory) => {
  it("finds an equal node exactly when one exists, through erases, replaces, resets and visits that change it", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => run(factory, ops)),
      { numRuns: 150 },
    );
  });

  it("holds thousands of nodes in two roots and drains through any()", () => {
    const index = factory.create(2);
    index.ensure(4000);
    const content = (n: number) => (n * 7919) % 4001;
    for (let n = 0; n < 4000; n++) {
      const r = n & 1;
      const c = content(n);
      expect(index.find(r, c, (x) => Math.sign(c - content(x)))).toBe(NIL);
      index.insertHere(r, n, c);
    }
    for (let n = 0; n < 4000; n += 3) {
      const c = content(n);
      expect(index.find(n & 1, c, (x) => Math.sign(c - content(x)))).toBe(n);
    }
    let drained = 0;
    for (let r = 0; r < 2; r++)
      for (let n = index.any(r); n !== NIL; n = index.any(r)) {
        index.erase(r, n);
        drained++;
      }
    expect(drained).toBe(4000);
  });

  it("counts the nodes its searches visit", () => {
    const index = factory.create(1);
    index.ensure(100);
    for (let n = 0; n < 100; n++) {
      expect(index.find(0, n, (x) => Math.sign(n - x))).toBe(NIL);
      index.insertHere(0, n, n);
    }
    const before = index.visited;
    let calls = 0;
    expect(
      index.find(0, 42, (x) => {
        calls++;
        return Math.sign(42 - x);
      }),
    ).toBe(42);
    expect(index.visited - before).toBe(calls);
    expect(factory.name).toBe(index.name);
    expect(factory.description.length).toBeGreaterThan(10);
  });
});

describe("skiplist", () => {
  it("is reproducible: the same seed builds the same lists", () => {
    const build = (seed: number) => {
      const index = new SkipListIndex(1, { seed });
      index.ensure(500);
      for (let n = 0; n < 500; n++) {
        index.find(0, n, (x) => Math.sign(n - x));
        index.insertHere(0, n, n);
      }
      return Array.from(index.height.subarray(0, 500));
    };
    expect(build(7)).toEqual(build(7));
    expect(build(7)).not.toEqual(build(8));
  });
});

describe("hash index cost", () => {
  it("counts a page hash per lookup, ordered indexes none", async () => {
    const { hashIndex, rbtreeIndex } = await import("../src/index.js");
    const h = hashIndex.create(1);
    const t = rbtreeIndex.create(1);
    h.ensure(4);
    t.ensure(4);
    for (const idx of [h, t]) {
      idx.find(0, 7, () => 1);
      idx.find(0, 7, () => 1);
    }
    expect(h.hashedBytes).toBe(2 * 4096);
    expect(t.hashedBytes ?? 0).toBe(0);
  });
});
