import { type ChecksumPolicy, NIL, zeroCost } from "@ksm/contracts";
import { ContentStore, PAGE_SIZE, SPARSE_MAX, ZERO_CONTENT } from "@ksm/mm";
import { rbtreeIndex } from "@ksm/policy-index";
import { describe, expect, it } from "vitest";
import { PageChecksums } from "../src/checksum.js";
import { RmapItems } from "../src/rmap-item.js";
import { checksum } from "./helpers.js";

/** The helpers' checksum, counting how often it really hashes a page. */
function counting(policy: ChecksumPolicy = checksum) {
  const counted = { calls: 0 };
  const wrapped: ChecksumPolicy = {
    ...policy,
    checksum(page) {
      counted.calls++;
      return policy.checksum(page);
    },
  };
  return { wrapped, counted };
}

function setup(policy: ChecksumPolicy) {
  const contents = new ContentStore();
  const items = new RmapItems(rbtreeIndex.create(1));
  const spent = zeroCost();
  return { contents, items, spent, sums: new PageChecksums(policy, contents, items, spent) };
}

describe("PageChecksums", () => {
  it("hashes each content once, but counts every calc_checksum as a page hashed", () => {
    const { wrapped, counted } = counting();
    const { contents, spent, sums } = setup(wrapped);
    expect(counted.calls).toBe(1); // the zero page's, at construction
    const a = contents.pattern(5n);
    const u = contents.unique();
    const first = [sums.of(a), sums.of(u)];
    expect([sums.of(a), sums.of(u)]).toEqual(first);
    expect(counted.calls).toBe(3);
    expect(spent.checksums).toBe(5);
    expect(spent.bytes_hashed).toBe(5 * PAGE_SIZE);
    expect(sums.of(ZERO_CONTENT)).toBe(sums.zero);
  });

  it("keeps every content's checksum across growths, whether it was handed out before or after the first", () => {
    const { wrapped, counted } = counting();
    const { contents, sums } = setup(wrapped);
    const early = Array.from({ length: 3000 }, (_, i) =>
      i % 3 ? contents.unique() : contents.pattern(BigInt(i)),
    );
    const want = new Map<number, number>();
    const check = (ids: number[]) => {
      for (const id of ids) {
        const sum = sums.of(id);
        if (!want.has(id))
          want.set(id, checksum.checksum(contents.bytes(id, new Uint8Array(PAGE_SIZE))) >>> 0);
        expect(sum).toBe(want.get(id));
      }
    };
    check(early.filter((_, i) => i % 7 === 0));
    // handed out after the columns were sized: they grow by half
    const late = Array.from({ length: 5000 }, (_, i) =>
      i % 2 ? contents.unique() : contents.pattern(BigInt(-i - 1)),
    );
    check(late);
    check(early);
    const hashed = counted.calls;
    check([...early, ...late].reverse());
    expect(counted.calls).toBe(hashed);
    expect(hashed).toBe(1 + want.size);
  });

  it("asks a policy with checksumWords for every page it can describe by words, and builds only the others", () => {
    const calls: number[][] = [];
    const { wrapped, counted } = counting({
      ...checksum,
      checksumWords(lo, hi, patches, count) {
        calls.push([lo, hi, ...patches.subarray(0, 3 * count)]);
        return (lo ^ Math.imul(hi, 31) ^ count) >>> 0;
      },
    });
    const { contents, sums } = setup(wrapped);
    expect(calls).toHaveLength(1); // the zero page's, at construction
    const word = new Uint32Array(2);
    const patches = new Uint32Array(3 * SPARSE_MAX);
    for (const id of [contents.pattern(3n), contents.unique(), contents.pattern(3n, [[9, 1]])]) {
      const n = contents.pageWords(id, word, patches);
      expect(sums.of(id)).toBe((word[0]! ^ Math.imul(word[1]!, 31) ^ n) >>> 0);
      expect(calls.at(-1)).toEqual([...word, ...patches.subarray(0, 3 * n)]);
    }
    expect(calls).toHaveLength(4);
    expect(counted.calls).toBe(0);
    const dense = contents.fromBytes(Uint8Array.from({ length: PAGE_SIZE }, (_, i) => (i * 5) & 0xff));
    expect(sums.of(dense)).toBe(checksum.checksum(contents.bytes(dense)) >>> 0);
    expect(counted.calls).toBe(1);
    expect(calls).toHaveLength(4);
  });

  it("passes a page through the volatility filter only once its checksum held over two visits", () => {
    const { contents, items, sums } = setup(checksum);
    const item = items.itemAt({ rmapList: NIL }, { address: 0, prev: NIL }, 0, 0);
    expect(item).not.toBe(NIL);
    const a = contents.pattern(1n);
    const b = contents.pattern(2n);
    expect(sums.changed(item, a)).toBe(true);
    expect(sums.changed(item, a)).toBe(false);
    expect(sums.changed(item, b)).toBe(true);
    expect(sums.changed(item, b)).toBe(false);
    expect(items.oldchecksum[item]).toBe(sums.of(b));
  });

  it("lets everything through with a constant checksum, and then takes any page for a possible zero page", () => {
    const { contents, items, sums } = setup({ name: "none", constant: true, checksum: () => 0 });
    const item = items.itemAt({ rmapList: NIL }, { address: 0, prev: NIL }, 0, 0);
    expect(sums.changed(item, contents.pattern(3n))).toBe(false);
    expect(sums.maybeZero(item)).toBe(true);
    const real = setup(checksum);
    const other = real.items.itemAt({ rmapList: NIL }, { address: 0, prev: NIL }, 0, 0);
    real.sums.changed(other, real.contents.pattern(3n));
    expect(real.sums.maybeZero(other)).toBe(false);
    real.sums.changed(other, ZERO_CONTENT);
    expect(real.sums.maybeZero(other)).toBe(true);
  });
});
