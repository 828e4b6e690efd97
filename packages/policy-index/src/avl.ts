import { type ContentIndexFactory, NIL } from "@ksm/contracts";
import { BinaryTreeIndex, type LinkedTree } from "./binary-tree-index.js";

/**
 * An AVL tree over integer node handles, with parent links and heights in typed arrays. The
 * caller walks it (as with {@link RbTree}), then links a node at the leaf it reached; insert
 * and erase rebalance with single and double rotations, keeping every node's subtrees within
 * one level of each other (height ≤ 1.44 log2 n, against 2 log2 n for a red-black tree).
 */
export class AvlTree implements LinkedTree {
  left = new Int32Array(0);
  right = new Int32Array(0);
  parent = new Int32Array(0);
  /** Height of the subtree rooted at the node (a leaf is 1; NIL counts 0). */
  height = new Uint8Array(0);
  readonly roots: Int32Array;

  constructor(rootCount = 1, capacity = 64) {
    this.roots = new Int32Array(rootCount).fill(NIL);
    this.ensure(capacity);
  }

  /** Makes room for handles below `n`. */
  ensure(n: number): void {
    if (n <= this.left.length) return;
    const size = Math.max(n, this.left.length * 2);
    const grow = (a: Int32Array) => {
      const b = new Int32Array(size);
      b.set(a);
      return b;
    };
    this.left = grow(this.left);
    this.right = grow(this.right);
    this.parent = grow(this.parent);
    const h = new Uint8Array(size);
    h.set(this.height);
    this.height = h;
  }

  /** Empties tree `r` without touching its nodes. */
  reset(r = 0): void {
    this.roots[r] = NIL;
  }

  /** Links `node` under `parent` (NIL: as root of `r`) and rebalances. */
  insert(node: number, parent: number, asLeft: boolean, r = 0): void {
    this.left[node] = NIL;
    this.right[node] = NIL;
    this.parent[node] = parent;
    this.height[node] = 1;
    if (parent === NIL) {
      this.roots[r] = node;
      return;
    }
    if (asLeft) this.left[parent] = node;
    else this.right[parent] = node;
    this.rebalance(parent, r);
  }

  /** Unlinks `z` (a node with two children gives way to its in-order successor) and rebalances. */
  erase(z: number, r = 0): void {
    const L = this.left;
    const R = this.right;
    const P = this.parent;
    let from: number;
    if (L[z] === NIL || R[z] === NIL) {
      from = P[z]!;
      this.transplant(z, L[z] === NIL ? R[z]! : L[z]!, r);
    } else {
      let y = R[z]!;
      while (L[y] !== NIL) y = L[y]!;
      if (P[y] === z) from = y;
      else {
        from = P[y]!;
        this.transplant(y, R[y]!, r);
        R[y] = R[z]!;
        P[R[y]!] = y;
      }
      this.transplant(z, y, r);
      L[y] = L[z]!;
      P[L[y]!] = y;
      this.height[y] = this.height[z]!;
    }
    if (from !== NIL) this.rebalance(from, r);
  }

  /** `repl` takes `victim`'s place, height and children. */
  replace(victim: number, repl: number, r = 0): void {
    const p = this.parent[victim]!;
    if (p === NIL) this.roots[r] = repl;
    else if (this.left[p] === victim) this.left[p] = repl;
    else this.right[p] = repl;
    const l = this.left[victim]!;
    const rr = this.right[victim]!;
    if (l !== NIL) this.parent[l] = repl;
    if (rr !== NIL) this.parent[rr] = repl;
    this.left[repl] = l;
    this.right[repl] = rr;
    this.parent[repl] = p;
    this.height[repl] = this.height[victim]!;
  }

  /** First node in order, or NIL. */
  first(r = 0): number {
    let n = this.roots[r]!;
    if (n === NIL) return NIL;
    while (this.left[n] !== NIL) n = this.left[n]!;
    return n;
  }

  /** In-order successor, or NIL. */
  next(n: number): number {
    if (this.right[n] !== NIL) {
      n = this.right[n]!;
      while (this.left[n] !== NIL) n = this.left[n]!;
      return n;
    }
    let p = this.parent[n]!;
    while (p !== NIL && n === this.right[p]) {
      n = p;
      p = this.parent[p]!;
    }
    return p;
  }

  private h(n: number): number {
    return n === NIL ? 0 : this.height[n]!;
  }

  private transplant(u: number, v: number, r: number): void {
    const p = this.parent[u]!;
    if (p === NIL) this.roots[r] = v;
    else if (u === this.left[p]) this.left[p] = v;
    else this.right[p] = v;
    if (v !== NIL) this.parent[v] = p;
  }

  private fix(n: number): void {
    this.height[n] = 1 + Math.max(this.h(this.left[n]!), this.h(this.right[n]!));
  }

  private rotateLeft(x: number, r: number): number {
    const y = this.right[x]!;
    this.right[x] = this.left[y]!;
    if (this.left[y] !== NIL) this.parent[this.left[y]!] = x;
    this.transplant(x, y, r);
    this.left[y] = x;
    this.parent[x] = y;
    this.fix(x);
    this.fix(y);
    return y;
  }

  private rotateRight(x: number, r: number): number {
    const y = this.left[x]!;
    this.left[x] = this.right[y]!;
    if (this.right[y] !== NIL) this.parent[this.right[y]!] = x;
    this.transplant(x, y, r);
    this.right[y] = x;
    this.parent[x] = y;
    this.fix(x);
    this.fix(y);
    return y;
  }

  /** Walks up from `n`, restoring heights and balance; stops where a subtree's height held. */
  private rebalance(n: number, r: number): void {
    while (n !== NIL) {
      const before = this.height[n]!;
      const l = this.left[n]!;
      const rr = this.right[n]!;
      const bf = this.h(rr) - this.h(l);
      let top = n;
      if (bf > 1) {
        if (this.h(this.right[rr]!) < this.h(this.left[rr]!)) this.rotateRight(rr, r);
        top = this.rotateLeft(n, r);
      } else if (bf < -1) {
        if (this.h(this.left[l]!) < this.h(this.right[l]!)) this.rotateLeft(l, r);
        top = this.rotateRight(n, r);
      } else {
        this.fix(n);
        if (this.height[n] === before) return;
      }
      n = this.parent[top]!;
    }
  }
}

/** The avl tree as a content index. */
export class AvlTreeIndex extends BinaryTreeIndex<AvlTree> {
  constructor(roots: number) {
    super("avl", new AvlTree(roots));
  }
}

/** The AVL tree (Adelson-Velsky and Landis, 1962), as Windows' memory combining keeps its pages. */
export const avlIndex: ContentIndexFactory = {
  name: "avl",
  description: "AVL tree ordered by memcmp (Windows memory combining keeps pages in AVL trees)",
  create: (roots) => new AvlTreeIndex(roots),
};
