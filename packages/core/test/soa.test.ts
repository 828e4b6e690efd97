import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HandlePool } from "../src/soa.js";

describe("HandlePool", () => {
  it("never hands out a live handle twice, reuses freed ones first and grows only at capacity", () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { maxLength: 300 }), (ops) => {
        let capacity = 0;
        const grows: number[] = [];
        const pool = new HandlePool((n) => {
          grows.push(n);
          capacity = n;
        });
        const live = new Set<number>();
        const freed: number[] = [];
        for (const alloc of ops) {
          if (alloc || live.size === 0) {
            const h = pool.alloc(capacity);
            expect(live.has(h)).toBe(false);
            expect(h).toBeLessThan(capacity);
            // the most recently freed handle comes back first
            if (freed.length > 0) expect(h).toBe(freed.pop());
            live.add(h);
          } else {
            const h = [...live][live.size >> 1]!;
            live.delete(h);
            pool.release(h);
            freed.push(h);
          }
          expect(pool.live).toBe(live.size);
        }
        // capacity grows by half from 64: never more than 1.5 times the high-water mark (or 64)
        for (let i = 1; i < grows.length; i++) expect(grows[i]).toBe(Math.ceil(grows[i - 1]! * 1.5));
        if (grows.length > 0) expect(grows[0]).toBe(64);
      }),
    );
  });

  it("asks for more room exactly when the next new handle reaches the capacity it was given", () => {
    const asked: number[] = [];
    const pool = new HandlePool((n) => asked.push(n));
    expect(pool.alloc(2)).toBe(0);
    expect(pool.alloc(2)).toBe(1);
    expect(asked).toEqual([]);
    expect(pool.alloc(2)).toBe(2);
    expect(asked).toEqual([64]);
  });
});
