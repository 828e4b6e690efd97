import { type ContentIndexFactory, NIL } from "@ksm/contracts";
import { BinaryTreeIndex } from "./binary-tree-index.js";
import { LinkedTreeBase } from "./linked-tree.js";

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
    this.left[node] = NIL;
    this.right[node] = NIL;
    this.parent[node] = parent;
    this.color[node] = RED;
    if (parent === NIL) this.roots[r] = node;
    else if (asLeft) this.left[parent] = node;
    else this.right[parent] = node;
    this.insertFixup(node, r);
  }

  /** `rb_erase`. */
  override erase(z: number, r = 0): void {
    const L = this.left;
    const R = this.right;
    const P = this.parent;
    let x: number;
    let xParent: number;
    let removedColor = this.color[z]!;
    if (L[z] === NIL) {
      x = R[z]!;
      xParent = P[z]!;
      this.transplant(z, x, r);
    } else if (R[z] === NIL) {
      x = L[z]!;
      xParent = P[z]!;
      this.transplant(z, x, r);
    } else {
      let y = R[z]!;
      while (L[y] !== NIL) y = L[y]!;
      removedColor = this.color[y]!;
      x = R[y]!;
      if (P[y] === z) xParent = y;
      else {
        xParent = P[y]!;
        this.transplant(y, x, r);
        R[y] = R[z]!;
        P[R[y]!] = y;
      }
      this.transplant(z, y, r);
      L[y] = L[z]!;
      P[L[y]!] = y;
      this.color[y] = this.color[z]!;
    }
    if (removedColor === BLACK) this.eraseFixup(x, xParent, r);
  }

  private isRed(n: number): boolean {
    return n !== NIL && this.color[n] === RED;
  }

  private insertFixup(z: number, r: number): void {
    const C = this.color;
    while (this.isRed(this.parent[z]!)) {
      let p = this.parent[z]!;
      const g = this.parent[p]!;
      if (p === this.left[g]) {
        const u = this.right[g]!;
        if (this.isRed(u)) {
          C[p] = BLACK;
          C[u] = BLACK;
          C[g] = RED;
          z = g;
          continue;
        }
        if (z === this.right[p]) {
          this.rotateLeft(p, r);
          z = p;
          p = this.parent[z]!;
        }
        C[p] = BLACK;
        C[g] = RED;
        this.rotateRight(g, r);
      } else {
        const u = this.left[g]!;
        if (this.isRed(u)) {
          C[p] = BLACK;
          C[u] = BLACK;
          C[g] = RED;
          z = g;
          continue;
        }
        if (z === this.left[p]) {
          this.rotateRight(p, r);
          z = p;
          p = this.parent[z]!;
        }
        C[p] = BLACK;
        C[g] = RED;
        this.rotateLeft(g, r);
      }
    }
    C[this.roots[r]!] = BLACK;
  }

  private eraseFixup(x: number, p: number, r: number): void {
    const C = this.color;
    while (x !== this.roots[r] && !this.isRed(x)) {
      if (x === this.left[p]) {
        let w = this.right[p]!;
        if (this.isRed(w)) {
          C[w] = BLACK;
          C[p] = RED;
          this.rotateLeft(p, r);
          w = this.right[p]!;
        }
        if (!this.isRed(this.left[w]!) && !this.isRed(this.right[w]!)) {
          C[w] = RED;
          x = p;
          p = this.parent[x]!;
        } else {
          if (!this.isRed(this.right[w]!)) {
            C[this.left[w]!] = BLACK;
            C[w] = RED;
            this.rotateRight(w, r);
            w = this.right[p]!;
          }
          C[w] = C[p]!;
          C[p] = BLACK;
          C[this.right[w]!] = BLACK;
          this.rotateLeft(p, r);
          x = this.roots[r]!;
        }
      } else {
        let w = this.left[p]!;
        if (this.isRed(w)) {
          C[w] = BLACK;
          C[p] = RED;
          this.rotateRight(p, r);
          w = this.left[p]!;
        }
        if (!this.isRed(this.right[w]!) && !this.isRed(this.left[w]!)) {
          C[w] = RED;
          x = p;
          p = this.parent[x]!;
        } else {
          if (!this.isRed(this.left[w]!)) {
            C[this.right[w]!] = BLACK;
            C[w] = RED;
            this.rotateLeft(w, r);
            w = this.left[p]!;
          }
          C[w] = C[p]!;
          C[p] = BLACK;
          C[this.left[w]!] = BLACK;
          this.rotateRight(p, r);
          x = this.roots[r]!;
        }
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
