import { ABORT, ABORTED, type ContentIndex, NIL, RESTART } from "@ksm/contracts";

/** A binary search tree over integer handles with the links in typed arrays (red-black, AVL). */
export interface LinkedTree {
  readonly roots: Int32Array;
  /** Left child of a node (NIL for none). */
  leftOf(n: number): number;
  /** Right child of a node (NIL for none). */
  rightOf(n: number): number;
  ensure(n: number): void;
  /** Links `node` under `parent` (NIL: as root) and rebalances. */
  insert(node: number, parent: number, asLeft: boolean, r: number): void;
  erase(node: number, r: number): void;
  replace(victim: number, repl: number, r: number): void;
  reset(r: number): void;
}

/**
 * A {@link ContentIndex} over any {@link LinkedTree}, walked as users of `lib/rbtree.c` do.
 * `find` re-reads the link it came through after each visit, so a node replaced during the
 * visit (a chain collapsing into its last dup) is walked on through its replacement, as the
 * kernel's `*new` does.
 */
export class BinaryTreeIndex<T extends LinkedTree> implements ContentIndex {
  visited = 0;
  /** The links after a reset are a function of the inserts and erases since (see {@link ContentIndex.replayable}). */
  readonly replayable = true;
  private parent = NIL;
  private asLeft = false;

  constructor(
    readonly name: string,
    readonly tree: T,
  ) {}

  ensure(n: number): void {
    this.tree.ensure(n);
  }

  find(r: number, _key: number, visit: (node: number) => number): number {
    const t = this.tree;
    for (;;) {
      let parent = NIL;
      let asLeft = false;
      let cur = t.roots[r]!;
      let restart = false;
      while (cur !== NIL) {
        this.visited++;
        // the node's links, read before the visit reads its record: two cache misses at once
        const node = cur;
        const left = t.leftOf(node);
        const right = t.rightOf(node);
        const ret = visit(node);
        if (ret === RESTART) {
          restart = true;
          break;
        }
        if (ret === ABORT) return ABORTED;
        // the visit may have replaced the node: re-read the link we came through
        cur = parent === NIL ? t.roots[r]! : asLeft ? t.leftOf(parent) : t.rightOf(parent);
        if (ret === 0) return cur;
        parent = cur;
        asLeft = ret < 0;
        // a visit changes no links but by replacing the node it visits (or restarting)
        if (cur === node) cur = asLeft ? left : right;
        else cur = asLeft ? t.leftOf(cur) : t.rightOf(cur);
      }
      if (restart) continue;
      this.parent = parent;
      this.asLeft = asLeft;
      return NIL;
    }
  }

  insertHere(r: number, node: number, _key: number): void {
    this.tree.insert(node, this.parent, this.asLeft, r);
  }

  erase(r: number, node: number): void {
    this.tree.erase(node, r);
  }

  replace(r: number, victim: number, repl: number): void {
    this.tree.replace(victim, repl, r);
  }

  reset(r: number): void {
    this.tree.reset(r);
  }

  any(r: number): number {
    return this.tree.roots[r]!;
  }
}
