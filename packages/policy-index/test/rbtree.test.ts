import { NIL } from "@ksm/contracts";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RbTree } from "../src/rbtree.js";

/** Checks the red-black invariants and returns the in-order keys. */
function check(t: RbTree, key: number[]): number[] {
  const root = t.roots[0]!;
  if (root !== NIL) {
    expect(t.colorOf(root)).toBe(1);
    expect(t.parentOf(root)).toBe(NIL);
  }
  const blackHeight = (n: number): number => {
    if (n === NIL) return 1;
    for (const c of [t.leftOf(n), t.rightOf(n)]) {
      if (c !== NIL) {
        expect(t.parentOf(c)).toBe(n);
        if (t.colorOf(n) === 0) expect(t.colorOf(c)).toBe(1);
      }
    }
    const l = blackHeight(t.leftOf(n));
    expect(blackHeight(t.rightOf(n))).toBe(l);
    return l + t.colorOf(n);
  };
  blackHeight(root);
  const out: number[] = [];
  for (let n = t.first(0); n !== NIL; n = t.next(n)) out.push(key[n]!);
  return out;
}

function insert(t: RbTree, key: number[], node: number): void {
  let cur = t.roots[0]!;
  let parent = NIL;
  let left = false;
  while (cur !== NIL) {
    parent = cur;
    left = key[node]! < key[cur]!;
    cur = left ? t.leftOf(cur) : t.rightOf(cur);
  }
  t.insert(node, parent, left, 0);
}

describe("RbTree", () => {
  it("keeps the red-black invariants and the order through inserts, erases and replaces", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom("ins", "del", "rep"), fc.nat(1000)), { maxLength: 300 }),
        (ops) => {
          const t = new RbTree(1, 4);
          const key: number[] = [];
          const live: number[] = [];
          for (const [op, v] of ops) {
            if (op === "ins" || live.length === 0) {
              const node = key.length;
              key.push(v);
              t.ensure(key.length);
              insert(t, key, node);
              live.push(node);
            } else {
              const i = v % live.length;
              const victim = live[i]!;
              if (op === "del") {
                t.erase(victim, 0);
                live.splice(i, 1);
              } else {
                const repl = key.length;
                key.push(key[victim]!);
                t.ensure(key.length);
                t.replace(victim, repl, 0);
                live[i] = repl;
              }
            }
            expect(check(t, key)).toEqual(live.map((n) => key[n]!).sort((a, b) => a - b));
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it("keeps separate roots apart", () => {
    const t = new RbTree(2, 4);
    t.insert(0, NIL, false, 0);
    t.insert(1, NIL, false, 1);
    expect(t.first(0)).toBe(0);
    expect(t.first(1)).toBe(1);
    t.reset(1);
    expect(t.first(1)).toBe(NIL);
    expect(t.first(0)).toBe(0);
  });
});
