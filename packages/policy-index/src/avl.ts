import { type ContentIndexFactory, NIL } from "@ksm/contracts";
import { BinaryTreeIndex } from "./binary-tree-index.js";
import { LinkedTreeBase } from "./linked-tree.js";

/**
 * An AVL tree over integer node handles, with parent links and heights in typed arrays. The
 * caller walks it (as with {@link RbTree}), then links a node at the leaf it reached; insert
 * and erase rebalance with single and double rotations, keeping every node's subtrees within
 * one level of each other (height ≤ 1.44 log2 n, against 2 log2 n for a red-black tree).
 */
export class AvlTree extends LinkedTreeBase {
  /** Height of the subtree rooted at the node (a leaf is 1; NIL counts 0). */
  get height(): Uint8Array {
    return this.balance;
  }

  /** Links `node` under `parent` (NIL: as root of `r`) and rebalances. */
  override insert(node: number, parent: number, asLeft: boolean, r = 0): void {
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
  override erase(z: number, r = 0): void {
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

  private h(n: number): number {
    return n === NIL ? 0 : this.height[n]!;
  }

  protected override rotated(x: number, y: number): void {
    this.fix(x);
    this.fix(y);
  }

  private fix(n: number): void {
    this.height[n] = 1 + Math.max(this.h(this.left[n]!), this.h(this.right[n]!));
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
