import { type ContentIndexFactory, NIL } from "@ksm/contracts";
import { BinaryTreeIndex } from "./binary-tree-index.js";
import { LEFT, LinkedTreeBase, RIGHT, WORDS } from "./linked-tree.js";

const RED = 0;
const BLACK = 1;

/**
 * A red-black tree over integer node handles, with the links in typed arrays (the kernel's
 * `lib/rbtree.c` semantics: the caller walks the tree itself, then links a new node at the
 * leaf it reached and rebalances; erase uses the in-order successor). Several roots can
 * share one node space, as KSM keeps one tree per NUMA node.
 *
 * The shape after any sequence of operations is the one Linux would have, which matters:
 * KSM prunes stale stable nodes only on the path a search walks.
 */
export class RbTree extends LinkedTreeBase {
  /** `n`'s color (red 0, black 1): the parent word's flag, as `__rb_parent_color` keeps it. */
  colorOf(n: number): number {
    return this.flagOf(n);
  }

  /** `rb_link_node` + `rb_insert_color`: puts `node` under `parent` (NIL: as root), red, and rebalances. */
  override insert(node: number, parent: number, asLeft: boolean, r = 0): void {
    this.linkLeaf(node, parent);
    if (parent === NIL) this.roots[r] = node;
    else if (asLeft) this.links[parent * WORDS + LEFT] = node;
    else this.links[parent * WORDS + RIGHT] = node;
    this.insertFixup(node, r);
  }

  /** `rb_erase`. */
  override erase(z: number, r = 0): void {
    let x: number;
    let xParent: number;
    let removedColor = this.flagOf(z);
    if (this.links[z * WORDS + LEFT] === NIL) {
      x = this.links[z * WORDS + RIGHT]!;
      xParent = this.parentOf(z);
      this.transplant(z, x, r);
    } else if (this.links[z * WORDS + RIGHT] === NIL) {
      x = this.links[z * WORDS + LEFT]!;
      xParent = this.parentOf(z);
      this.transplant(z, x, r);
    } else {
      let y = this.links[z * WORDS + RIGHT]!;
      while (this.links[y * WORDS + LEFT] !== NIL) y = this.links[y * WORDS + LEFT]!;
      removedColor = this.flagOf(y);
      x = this.links[y * WORDS + RIGHT]!;
      if (this.parentOf(y) === z) xParent = y;
      else {
        xParent = this.parentOf(y);
        this.transplant(y, x, r);
        this.links[y * WORDS + RIGHT] = this.links[z * WORDS + RIGHT]!;
        this.setParent(this.links[y * WORDS + RIGHT]!, y);
      }
      this.transplant(z, y, r);
      this.links[y * WORDS + LEFT] = this.links[z * WORDS + LEFT]!;
      this.setParent(this.links[y * WORDS + LEFT]!, y);
      this.setFlag(y, this.flagOf(z));
    }
    if (removedColor === BLACK) this.eraseFixup(x, xParent, r);
  }

  private isRed(n: number): boolean {
    return n !== NIL && this.flagOf(n) === RED;
  }

  /** Rebalances after `z` went in red; each case has a mirror, `side` says which one. */
  private insertFixup(z: number, r: number): void {
    while (this.isRed(this.parentOf(z))) {
      let p = this.parentOf(z);
      const g = this.parentOf(p);
      // the side of g that p hangs on, and the uncle's
      const side = p === this.links[g * WORDS + LEFT] ? LEFT : RIGHT;
      const other = LEFT + RIGHT - side;
      const u = this.links[g * WORDS + other]!;
      if (this.isRed(u)) {
        this.setFlag(p, BLACK);
        this.setFlag(u, BLACK);
        this.setFlag(g, RED);
        z = g;
        continue;
      }
      if (z === this.links[p * WORDS + other]) {
        this.rotate(p, side, r);
        z = p;
        p = this.parentOf(z);
      }
      this.setFlag(p, BLACK);
      this.setFlag(g, RED);
      this.rotate(g, other, r);
    }
    this.setFlag(this.roots[r]!, BLACK);
  }

  /** Rebalances after a black node left from above `x` (child of `p`); mirrored by `side`. */
  private eraseFixup(x: number, p: number, r: number): void {
    while (x !== this.roots[r] && !this.isRed(x)) {
      // the side of p that x hangs on, and its sibling's
      const side = x === this.links[p * WORDS + LEFT] ? LEFT : RIGHT;
      const other = LEFT + RIGHT - side;
      let w = this.links[p * WORDS + other]!;
      if (this.isRed(w)) {
        this.setFlag(w, BLACK);
        this.setFlag(p, RED);
        this.rotate(p, side, r);
        w = this.links[p * WORDS + other]!;
      }
      if (!this.isRed(this.links[w * WORDS + LEFT]!) && !this.isRed(this.links[w * WORDS + RIGHT]!)) {
        this.setFlag(w, RED);
        x = p;
        p = this.parentOf(x);
      } else {
        if (!this.isRed(this.links[w * WORDS + other]!)) {
          this.setFlag(this.links[w * WORDS + side]!, BLACK);
          this.setFlag(w, RED);
          this.rotate(w, other, r);
          w = this.links[p * WORDS + other]!;
        }
        this.setFlag(w, this.flagOf(p));
        this.setFlag(p, BLACK);
        this.setFlag(this.links[w * WORDS + other]!, BLACK);
        this.rotate(p, side, r);
        x = this.roots[r]!;
      }
    }
    if (x !== NIL) this.setFlag(x, BLACK);
  }
}

/** The rbtree tree as a content index. */
export class RbTreeIndex extends BinaryTreeIndex<RbTree> {
  constructor(roots: number) {
    super("rbtree", new RbTree(roots));
  }
}

/** The red-black tree, as Linux keeps both KSM trees. */
export const rbtreeIndex: ContentIndexFactory = {
  name: "rbtree",
  description: "red-black tree ordered by memcmp, as Linux (mm/ksm.c, lib/rbtree.c)",
  create: (roots) => new RbTreeIndex(roots),
};
