import { NIL } from "@ksm/contracts";
import type { LinkedTree } from "./binary-tree-index.js";

/**
 * Words of a node in {@link LinkedTreeBase.links}: its left child, right child and parent;
 * the parent word's top bit is a flag of the tree's own (a red-black node's color), its
 * other 31 bits the parent (read with {@link LinkedTreeBase.parentOf}).
 */
export const WORDS = 3;
export const LEFT = 0;
export const RIGHT = 1;
export const PARENT = 2;
/** The flag bit of the parent word. */
const FLAG = 1 << 31;

/**
 * What binary search trees over integer handles share: links in one typed array (a node's
 * left, right and parent side by side, so stepping onto a node reads one cache line), a bit
 * of balance in the parent word (a red-black color; an AVL tree keeps its heights beside),
 * several roots in one node space, and the structural operations (transplant, rotations,
 * replace, in-order walk). Subclasses supply the rebalancing of insert and erase. Handles
 * stay below 2^30.
 */
export abstract class LinkedTreeBase implements LinkedTree {
  /** {@link WORDS} words a node: LEFT, RIGHT, PARENT and the flag (NIL for none). */
  links: Int32Array;
  readonly roots: Int32Array;

  constructor(rootCount = 1, capacity = 64) {
    this.roots = new Int32Array(rootCount).fill(NIL);
    this.links = new Int32Array(capacity * WORDS);
  }

  abstract insert(node: number, parent: number, asLeft: boolean, r?: number): void;
  abstract erase(node: number, r?: number): void;

  /** Makes room for handles below `n`. */
  ensure(n: number): void {
    const had = this.links.length / WORDS;
    if (n <= had) return;
    const size = Math.max(n, Math.ceil(had * 1.5));
    const links = new Int32Array(size * WORDS);
    links.set(this.links);
    this.links = links;
    this.grew(size);
  }

  /** Called when {@link ensure} made room for `size` handles, for the subclass's own columns (sized from {@link links} at construction). */
  protected grew(_size: number): void {}

  /** Left child of `n` (NIL for none). */
  leftOf(n: number): number {
    return this.links[n * WORDS + LEFT]!;
  }

  /** Right child of `n` (NIL for none). */
  rightOf(n: number): number {
    return this.links[n * WORDS + RIGHT]!;
  }

  /** Parent of `n` (NIL for a root): the parent word's low 31 bits, sign-extended. */
  parentOf(n: number): number {
    return (this.links[n * WORDS + PARENT]! << 1) >> 1;
  }

  /** `n`'s parent becomes `p`; its flag stays. */
  protected setParent(n: number, p: number): void {
    const i = n * WORDS + PARENT;
    this.links[i] = (this.links[i]! & FLAG) | (p & ~FLAG);
  }

  /** `n`'s flag bit (0 or 1). */
  protected flagOf(n: number): number {
    return this.links[n * WORDS + PARENT]! >>> 31;
  }

  /** Sets `n`'s flag bit to `f` (0 or 1). */
  protected setFlag(n: number, f: number): void {
    const i = n * WORDS + PARENT;
    this.links[i] = (this.links[i]! & ~FLAG) | (f << 31);
  }

  /** A node going in under `parent`: no children, flag 0. */
  protected linkLeaf(node: number, parent: number): void {
    this.links[node * WORDS + LEFT] = NIL;
    this.links[node * WORDS + RIGHT] = NIL;
    this.links[node * WORDS + PARENT] = parent & ~FLAG;
  }

  /** Empties tree `r` without touching its nodes (KSM's unstable-tree reset). */
  reset(r = 0): void {
    this.roots[r] = NIL;
  }

  /** `rb_replace_node`: `repl` takes `victim`'s place, balance and children. */
  replace(victim: number, repl: number, r = 0): void {
    const p = this.parentOf(victim);
    if (p === NIL) this.roots[r] = repl;
    else if (this.links[p * WORDS + LEFT] === victim) this.links[p * WORDS + LEFT] = repl;
    else this.links[p * WORDS + RIGHT] = repl;
    const l = this.links[victim * WORDS + LEFT]!;
    const rr = this.links[victim * WORDS + RIGHT]!;
    if (l !== NIL) this.setParent(l, repl);
    if (rr !== NIL) this.setParent(rr, repl);
    this.links[repl * WORDS + LEFT] = l;
    this.links[repl * WORDS + RIGHT] = rr;
    this.links[repl * WORDS + PARENT] = this.links[victim * WORDS + PARENT]!;
    this.copyBalance(victim, repl);
  }

  /** `to` takes `from`'s balance (the flag, with the parent word; a subclass adds its own). */
  protected copyBalance(_from: number, _to: number): void {}

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
    let p = this.parentOf(n);
    while (p !== NIL && n === this.links[p * WORDS + RIGHT]) {
      n = p;
      p = this.parentOf(p);
    }
    return p;
  }

  /** Puts subtree `v` where `u` hangs. */
  protected transplant(u: number, v: number, r: number): void {
    const p = this.parentOf(u);
    if (p === NIL) this.roots[r] = v;
    else if (u === this.links[p * WORDS + LEFT]) this.links[p * WORDS + LEFT] = v;
    else this.links[p * WORDS + RIGHT] = v;
    if (v !== NIL) this.setParent(v, p);
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
    if (inner !== NIL) this.setParent(inner, x);
    this.transplant(x, y, r);
    this.links[y * WORDS + side] = x;
    this.setParent(x, y);
    this.rotated(x, y);
    return y;
  }

  /** Called after `y` rotated above `x`, for balance bookkeeping. */
  protected rotated(_x: number, _y: number): void {}
}
