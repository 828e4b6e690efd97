import { zeroCost } from "@ksm/contracts";
import { type ContentId, ContentStore, KEY_EXACT, KEY_PREFIX, NO_KEY, PAGE_SIZE, type Poke } from "@ksm/mm";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KEY_TIE, memcmpPages, SearchProbe } from "../src/memcmp.js";

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
        expect(probe.keyed).toBe(KEY_EXACT);
        expect(contents.key(b, key)).toBe(KEY_EXACT);
        expect(Math.sign(probe.compareKey(key[0]!, key[1]!, KEY_EXACT))).toBe(Math.sign(probe.compare(b)));
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

  it("keys of pages with pokes order them as memcmp, count the same bytes, and tie only when undecided", () => {
    // pokes anywhere (so some keys are prefixes, some absent), on a few seeds whose words often share bytes
    const desc = fc.record({
      seed: fc.constantFrom(0n, 1n, 2n),
      pokes: fc.array(fc.tuple(fc.oneof(fc.nat(15), fc.nat(4095)), fc.nat(255)), { maxLength: 3 }),
    });
    fc.assert(
      fc.property(fc.array(desc, { minLength: 2, maxLength: 6 }), (descs) => {
        const contents = new ContentStore();
        const ids: ContentId[] = descs.map((d) => contents.pattern(d.seed, d.pokes as Poke[]));
        /** The kind of key the page must have: exact when plain, a prefix when its first change is past byte 7. */
        const expectedKind = (i: number): number => {
          const page = contents.bytes(ids[i]!);
          const word = contents.bytes(contents.pattern(descs[i]!.seed));
          const first = page.findIndex((x, j) => x !== word[j]);
          return first < 0 ? KEY_EXACT : first >= 8 ? KEY_PREFIX : NO_KEY;
        };
        for (const [i, a] of ids.entries())
          for (const [j, b] of ids.entries()) {
            const viaKey = zeroCost();
            const probe = new SearchProbe(contents, viaKey);
            probe.set(a);
            const key = new Uint32Array(2);
            const kind = contents.key(b, key);
            expect(probe.keyed).toBe(expectedKind(i));
            expect(kind).toBe(expectedKind(j));
            const direct = zeroCost();
            const want = memcmpPages(contents, direct, a, b);
            if (!probe.keyed || !kind) continue;
            const got = probe.compareKey(key[0]!, key[1]!, kind);
            if (got === KEY_TIE) {
              // undecided: equal first 8 bytes, not both plain; nothing counted
              expect(contents.lastCompareOffset >= 8 || want === 0).toBe(true);
              expect(probe.keyed === KEY_PREFIX || kind === KEY_PREFIX).toBe(true);
              expect(viaKey.memcmp_calls).toBe(0);
            } else {
              expect(got).toBe(want);
              expect(viaKey).toEqual(direct);
            }
          }
      }),
      { numRuns: 200 },
    );
  });
});
