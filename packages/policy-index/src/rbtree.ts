import { type ContentIndexFactory, NIL } from "@ksm/contracts";
import { BinaryTreeIndex } from "./binary-tree-index.js";
import { LEFT, LinkedTreeBase, PARENT, RIGHT, WORDS } from "./linked-tree.js";

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
  /** Node colors (red 0, black 1). */
  get color(): Uint8Array {
    return this.balance;
  }

  /** `rb_link_node` + `rb_insert_color`: puts `node` under `parent` (NIL: as root) and rebalances. */
  override insert(node: number, parent: number, asLeft: boolean, r = 0): void {
    this.links[node * WORDS + LEFT] = NIL;
    this.links[node * WORDS + RIGHT] = NIL;
    this.links[node * WORDS + PARENT] = parent;
    this.color[node] = RED;
    if (parent === NIL) this.roots[r] = node;
    else if (asLeft) this.links[parent * WORDS + LEFT] = node;
    else this.links[parent * WORDS + RIGHT] = node;
    this.insertFixup(node, r);
  }

  /** `rb_erase`. */
  override erase(z: number, r = 0): void {
    let x: number;
    let xParent: number;
    let removedColor = this.color[z]!;
    if (this.links[z * WORDS + LEFT] === NIL) {
      x = this.links[z * WORDS + RIGHT]!;
      xParent = this.links[z * WORDS + PARENT]!;
      this.transplant(z, x, r);
    } else if (this.links[z * WORDS + RIGHT] === NIL) {
      x = this.links[z * WORDS + LEFT]!;
      xParent = this.links[z * WORDS + PARENT]!;
      this.transplant(z, x, r);
    } else {
      let y = this.links[z * WORDS + RIGHT]!;
      while (this.links[y * WORDS + LEFT] !== NIL) y = this.links[y * WORDS + LEFT]!;
      removedColor = this.color[y]!;
      x = this.links[y * WORDS + RIGHT]!;
      if (this.links[y * WORDS + PARENT] === z) xParent = y;
      else {
        xParent = this.links[y * WORDS + PARENT]!;
        this.transplant(y, x, r);
        this.links[y * WORDS + RIGHT] = this.links[z * WORDS + RIGHT]!;
        this.links[this.links[y * WORDS + RIGHT]! * WORDS + PARENT] = y;
      }
      this.transplant(z, y, r);
      this.links[y * WORDS + LEFT] = this.links[z * WORDS + LEFT]!;
      this.links[this.links[y * WORDS + LEFT]! * WORDS + PARENT] = y;
      this.color[y] = this.color[z]!;
    }
    if (removedColor === BLACK) this.eraseFixup(x, xParent, r);
  }

  private isRed(n: number): boolean {
    return n !== NIL && this.color[n] === RED;
  }

  /** Rebalances after `z` went in red; each case has a mirror, `side` says which one. */
  private insertFixup(z: number, r: number): void {
    const C = this.color;
    while (this.isRed(this.links[z * WORDS + PARENT]!)) {
      let p = this.links[z * WORDS + PARENT]!;
      const g = this.links[p * WORDS + PARENT]!;
      // the side of g that p hangs on, and the uncle's
      const side = p === this.links[g * WORDS + LEFT] ? LEFT : RIGHT;
      const other = LEFT + RIGHT - side;
      const u = this.links[g * WORDS + other]!;
      if (this.isRed(u)) {
        C[p] = BLACK;
        C[u] = BLACK;
        C[g] = RED;
        z = g;
        continue;
      }
      if (z === this.links[p * WORDS + other]) {
        this.rotate(p, side, r);
        z = p;
        p = this.links[z * WORDS + PARENT]!;
      }
      C[p] = BLACK;
      C[g] = RED;
      this.rotate(g, other, r);
    }
    C[this.roots[r]!] = BLACK;
  }

  /** Rebalances after a black node left from above `x` (child of `p`); mirrored by `side`. */
  private eraseFixup(x: number, p: number, r: number): void {
    const C = this.color;
    while (x !== this.roots[r] && !this.isRed(x)) {
      // the side of p that x hangs on, and its sibling's
      const side = x === this.links[p * WORDS + LEFT] ? LEFT : RIGHT;
      const other = LEFT + RIGHT - side;
      let w = this.links[p * WORDS + other]!;
      if (this.isRed(w)) {
        C[w] = BLACK;
        C[p] = RED;
        this.rotate(p, side, r);
        w = this.links[p * WORDS + other]!;
      }
      if (!this.isRed(this.links[w * WORDS + LEFT]!) && !this.isRed(this.links[w * WORDS + RIGHT]!)) {
        C[w] = RED;
        x = p;
        p = this.links[x * WORDS + PARENT]!;
      } else {
        if (!this.isRed(this.links[w * WORDS + other]!)) {
          C[this.links[w * WORDS + side]!] = BLACK;
          C[w] = RED;
          this.rotate(w, other, r);
          w = this.links[p * WORDS + other]!;
        }
        C[w] = C[p]!;
        C[p] = BLACK;
        C[this.links[w * WORDS + other]!] = BLACK;
        this.rotate(p, side, r);
        x = this.roots[r]!;
      }
    }
    if (x !== NIL) C[x] = BLACK;
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
