import { NIL } from "@ksm/contracts";
import type { LinkedTree } from "./binary-tree-index.js";

/** Words of a node in {@link LinkedTreeBase.links}: its left child, right child and parent. */
export const WORDS = 3;
export const LEFT = 0;
export const RIGHT = 1;
export const PARENT = 2;

/**
 * What binary search trees over integer handles share: links in one typed array (a node's
 * left, right and parent side by side, so stepping onto a node reads one cache line), one
 * byte of balance per node (a red-black color, an AVL height), several roots in one node
 * space, and the structural operations (transplant, rotations, replace, in-order walk).
 * Subclasses supply the rebalancing of insert and erase.
 */
export abstract class LinkedTreeBase implements LinkedTree {
  /** {@link WORDS} words a node: LEFT, RIGHT, PARENT (NIL for none). */
  links = new Int32Array(0);
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
    if (n <= this.balance.length) return;
    const size = Math.max(n, Math.ceil(this.balance.length * 1.5));
    const links = new Int32Array(size * WORDS);
    links.set(this.links);
    this.links = links;
    const m = new Uint8Array(size);
    m.set(this.balance);
    this.balance = m;
  }

  /** Left child of `n` (NIL for none). */
  leftOf(n: number): number {
    return this.links[n * WORDS + LEFT]!;
  }

  /** Right child of `n` (NIL for none). */
  rightOf(n: number): number {
    return this.links[n * WORDS + RIGHT]!;
  }

  /** Parent of `n` (NIL for a root). */
  parentOf(n: number): number {
    return this.links[n * WORDS + PARENT]!;
  }

  /** Empties tree `r` without touching its nodes (KSM's unstable-tree reset). */
  reset(r = 0): void {
    this.roots[r] = NIL;
  }

  /** `rb_replace_node`: `repl` takes `victim`'s place, balance and children. */
  replace(victim: number, repl: number, r = 0): void {
    const p = this.links[victim * WORDS + PARENT]!;
    if (p === NIL) this.roots[r] = repl;
    else if (this.links[p * WORDS + LEFT] === victim) this.links[p * WORDS + LEFT] = repl;
    else this.links[p * WORDS + RIGHT] = repl;
    const l = this.links[victim * WORDS + LEFT]!;
    const rr = this.links[victim * WORDS + RIGHT]!;
    if (l !== NIL) this.links[l * WORDS + PARENT] = repl;
    if (rr !== NIL) this.links[rr * WORDS + PARENT] = repl;
    this.links[repl * WORDS + LEFT] = l;
    this.links[repl * WORDS + RIGHT] = rr;
    this.links[repl * WORDS + PARENT] = p;
    this.balance[repl] = this.balance[victim]!;
  }

  /** First node in order, or NIL. */
  first(r = 0): number {
    let n = this.roots[r]!;
    if (n === NIL) return NIL;
    while (this.links[n * WORDS + LEFT] !== NIL) n = this.links[n * WORDS + LEFT]!;
    return n;
  }

  /** In-order successor, or NIL. */
  next(n: number): number {
    if (this.links[n * WORDS + RIGHT] !== NIL) {
      n = this.links[n * WORDS + RIGHT]!;
      while (this.links[n * WORDS + LEFT] !== NIL) n = this.links[n * WORDS + LEFT]!;
      return n;
    }
    let p = this.links[n * WORDS + PARENT]!;
    while (p !== NIL && n === this.links[p * WORDS + RIGHT]) {
      n = p;
      p = this.links[p * WORDS + PARENT]!;
    }
    return p;
  }

  /** Puts subtree `v` where `u` hangs. */
  protected transplant(u: number, v: number, r: number): void {
    const p = this.links[u * WORDS + PARENT]!;
    if (p === NIL) this.roots[r] = v;
    else if (u === this.links[p * WORDS + LEFT]) this.links[p * WORDS + LEFT] = v;
    else this.links[p * WORDS + RIGHT] = v;
    if (v !== NIL) this.links[v * WORDS + PARENT] = p;
  }

  /**
   * Rotates `x` down to side `side` (LEFT: `rotate_left`, RIGHT: `rotate_right`): its child
   * on the other side takes its place, which is returned.
   */
  protected rotate(x: number, side: number, r: number): number {
    const other = LEFT + RIGHT - side;
    const y = this.links[x * WORDS + other]!;
    const inner = this.links[y * WORDS + side]!;
    this.links[x * WORDS + other] = inner;
    if (inner !== NIL) this.links[inner * WORDS + PARENT] = x;
    this.transplant(x, y, r);
    this.links[y * WORDS + side] = x;
    this.links[x * WORDS + PARENT] = y;
    this.rotated(x, y);
    return y;
  }

  /** Called after `y` rotated above `x`, for balance bookkeeping. */
  protected rotated(_x: number, _y: number): void {}
}
