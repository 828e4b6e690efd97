import { type ContentIndexFactory, NIL } from "@ksm/contracts";
import { BinaryTreeIndex, type LinkedTree } from "./binary-tree-index.js";

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
export class RbTree implements LinkedTree {
  left = new Int32Array(0);
  right = new Int32Array(0);
  parent = new Int32Array(0);
  color = new Uint8Array(0);
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
    const c = new Uint8Array(size);
    c.set(this.color);
    this.color = c;
  }

  /** Empties tree `r` without touching its nodes (KSM's unstable-tree reset). */
  reset(r = 0): void {
    this.roots[r] = NIL;
  }

  /** `rb_link_node` + `rb_insert_color`: puts `node` under `parent` (NIL: as root) and rebalances. */
  insert(node: number, parent: number, asLeft: boolean, r = 0): void {
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
  erase(z: number, r = 0): void {
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

  /** `rb_replace_node`: `repl` takes `victim`'s place, color and children. */
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
    this.color[repl] = this.color[victim]!;
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

  private transplant(u: number, v: number, r: number): void {
    const p = this.parent[u]!;
    if (p === NIL) this.roots[r] = v;
    else if (u === this.left[p]) this.left[p] = v;
    else this.right[p] = v;
    if (v !== NIL) this.parent[v] = p;
  }

  private rotateLeft(x: number, r: number): void {
    const y = this.right[x]!;
    this.right[x] = this.left[y]!;
    if (this.left[y] !== NIL) this.parent[this.left[y]!] = x;
    this.transplant(x, y, r);
    this.left[y] = x;
    this.parent[x] = y;
  }

  private rotateRight(x: number, r: number): void {
    const y = this.left[x]!;
    this.left[x] = this.right[y]!;
    if (this.right[y] !== NIL) this.parent[this.right[y]!] = x;
    this.transplant(x, y, r);
    this.right[y] = x;
    this.parent[x] = y;
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
