import { zeroCost } from "@ksm/contracts";
import { ContentStore, PAGE_SIZE } from "@ksm/mm";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { memcmpPages, SearchProbe } from "../src/memcmp.js";

describe("SearchProbe", () => {
  it("orders plain contents by their keys exactly as memcmp_pages orders their bytes", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 1n << 40n }), fc.bigInt({ min: 0n, max: 1n << 40n }), (x, y) => {
        const contents = new ContentStore();
        const spent = zeroCost();
        const a = contents.pattern(x);
        const b = contents.pattern(y);
        const probe = new SearchProbe(contents, spent);
        probe.set(a);
        const key = new Uint32Array(2);
        expect(probe.keyed).toBe(true);
        expect(contents.key(b, key)).toBe(true);
        expect(Math.sign(probe.compareKey(key[0]!, key[1]!))).toBe(Math.sign(probe.compare(b)));
        expect(Math.sign(probe.compare(b))).toBe(Math.sign(memcmpPages(contents, zeroCost(), a, b)));
      }),
      { numRuns: 50 },
    );
  });

  it("counts a comparison of equal pages as a whole page read, and one that differs early as less", () => {
    const contents = new ContentStore();
    const spent = zeroCost();
    const probe = new SearchProbe(contents, spent);
    const a = contents.pattern(1n);
    probe.set(a);
    expect(probe.compare(a)).toBe(0);
    expect(spent).toMatchObject({ memcmp_calls: 1, bytes_compared: PAGE_SIZE });
    const b = contents.pattern(2n);
    expect(probe.compare(b)).not.toBe(0);
    expect(spent.memcmp_calls).toBe(2);
    expect(spent.bytes_compared).toBeLessThan(2 * PAGE_SIZE);
    expect(spent.bytes_compared).toBeGreaterThan(PAGE_SIZE);
  });
});
