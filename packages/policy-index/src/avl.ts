import { type ContentIndexFactory, NIL } from "@ksm/contracts";
import { grown } from "@ksm/mm";
import { BinaryTreeIndex } from "./binary-tree-index.js";
import { LEFT, LinkedTreeBase, RIGHT, WORDS } from "./linked-tree.js";

/**
 * An AVL tree over integer node handles, with parent links and heights in typed arrays. The
 * caller walks it (as with {@link RbTree}), then links a node at the leaf it reached; insert
 * and erase rebalance with single and double rotations, keeping every node's subtrees within
 * one level of each other (height ≤ 1.44 log2 n, against 2 log2 n for a red-black tree).
 */
export class AvlTree extends LinkedTreeBase {
  /** Height of the subtree rooted at the node (a leaf is 1; NIL counts 0). */
  height = new Uint8Array(this.links.length / WORDS);

  protected override grew(size: number): void {
    this.height = grown(this.height, size);
  }

  protected override copyBalance(from: number, to: number): void {
    this.height[to] = this.height[from]!;
  }

  /** Links `node` under `parent` (NIL: as root of `r`) and rebalances. */
  override insert(node: number, parent: number, asLeft: boolean, r = 0): void {
    this.linkLeaf(node, parent);
    this.height[node] = 1;
    if (parent === NIL) {
      this.roots[r] = node;
      return;
    }
    if (asLeft) this.links[parent * WORDS + LEFT] = node;
    else this.links[parent * WORDS + RIGHT] = node;
    this.rebalance(parent, r);
  }

  /** Unlinks `z` (a node with two children gives way to its in-order successor) and rebalances. */
  override erase(z: number, r = 0): void {
    let from: number;
    if (this.links[z * WORDS + LEFT] === NIL || this.links[z * WORDS + RIGHT] === NIL) {
      from = this.parentOf(z);
      this.transplant(
        z,
        this.links[z * WORDS + LEFT] === NIL ? this.links[z * WORDS + RIGHT]! : this.links[z * WORDS + LEFT]!,
        r,
      );
    } else {
      let y = this.links[z * WORDS + RIGHT]!;
      while (this.links[y * WORDS + LEFT] !== NIL) y = this.links[y * WORDS + LEFT]!;
      if (this.parentOf(y) === z) from = y;
      else {
        from = this.parentOf(y);
        this.transplant(y, this.links[y * WORDS + RIGHT]!, r);
        this.links[y * WORDS + RIGHT] = this.links[z * WORDS + RIGHT]!;
        this.setParent(this.links[y * WORDS + RIGHT]!, y);
      }
      this.transplant(z, y, r);
      this.links[y * WORDS + LEFT] = this.links[z * WORDS + LEFT]!;
      this.setParent(this.links[y * WORDS + LEFT]!, y);
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
    this.height[n] =
      1 + Math.max(this.h(this.links[n * WORDS + LEFT]!), this.h(this.links[n * WORDS + RIGHT]!));
  }

  /** Walks up from `n`, restoring heights and balance; stops where a subtree's height held. */
  private rebalance(n: number, r: number): void {
    while (n !== NIL) {
      const before = this.height[n]!;
      const l = this.links[n * WORDS + LEFT]!;
      const rr = this.links[n * WORDS + RIGHT]!;
      const bf = this.h(rr) - this.h(l);
      let top = n;
      if (bf > 1) {
        if (this.h(this.links[rr * WORDS + RIGHT]!) < this.h(this.links[rr * WORDS + LEFT]!))
          this.rotate(rr, RIGHT, r);
        top = this.rotate(n, LEFT, r);
      } else if (bf < -1) {
        if (this.h(this.links[l * WORDS + LEFT]!) < this.h(this.links[l * WORDS + RIGHT]!))
          this.rotate(l, LEFT, r);
        top = this.rotate(n, RIGHT, r);
      } else {
        this.fix(n);
        if (this.height[n] === before) return;
      }
      n = this.parentOf(top);
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
