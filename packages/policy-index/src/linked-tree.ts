import { NIL } from "@ksm/contracts";
import type { LinkedTree } from "./binary-tree-index.js";

/**
 * What binary search trees over integer handles share: links in typed arrays, one byte of
 * balance per node (a red-black color, an AVL height), several roots in one node space, and
 * the structural operations (transplant, rotations, replace, in-order walk). Subclasses
 * supply the rebalancing of insert and erase.
 */
export abstract class LinkedTreeBase implements LinkedTree {
  left = new Int32Array(0);
  right = new Int32Array(0);
  parent = new Int32Array(0);
  /** Per-node balance information: the color of a red-black node, the height of an AVL one. */
  balance = new Uint8Array(0);
  readonly roots: Int32Array;

  constructor(rootCount = 1, capacity = 64) {
    this.roots = new Int32Array(rootCount).fill(NIL);
    this.ensure(capacity);
  }

  abstract insert(node: number, parent: number, asLeft: boolean, r?: number): void;
  abstract erase(node: number, r?: number): void;

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
    const m = new Uint8Array(size);
    m.set(this.balance);
    this.balance = m;
  }

  /** Empties tree `r` without touching its nodes (KSM's unstable-tree reset). */
  reset(r = 0): void {
    this.roots[r] = NIL;
  }

  /** `rb_replace_node`: `repl` takes `victim`'s place, balance and children. */
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
    this.balance[repl] = this.balance[victim]!;
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

  /** Puts subtree `v` where `u` hangs. */
  protected transplant(u: number, v: number, r: number): void {
    const p = this.parent[u]!;
    if (p === NIL) this.roots[r] = v;
    else if (u === this.left[p]) this.left[p] = v;
    else this.right[p] = v;
    if (v !== NIL) this.parent[v] = p;
  }

  /** Rotates `x` down to the left; returns the node that took its place. */
  protected rotateLeft(x: number, r: number): number {
    const y = this.right[x]!;
    this.right[x] = this.left[y]!;
    if (this.left[y] !== NIL) this.parent[this.left[y]!] = x;
    this.transplant(x, y, r);
    this.left[y] = x;
    this.parent[x] = y;
    this.rotated(x, y);
    return y;
  }

  /** Rotates `x` down to the right; returns the node that took its place. */
  protected rotateRight(x: number, r: number): number {
    const y = this.left[x]!;
    this.left[x] = this.right[y]!;
    if (this.right[y] !== NIL) this.parent[this.right[y]!] = x;
    this.transplant(x, y, r);
    this.right[y] = x;
    this.parent[x] = y;
    this.rotated(x, y);
    return y;
  }

  /** Called after `y` rotated above `x`, for balance bookkeeping. */
  protected rotated(_x: number, _y: number): void {}
}
