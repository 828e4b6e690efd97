import {
  type ContentId,
  ContentStore,
  PAGE_SIZE,
  type Poke,
  SPARSE_MAX,
  unsplitmix64,
  ZERO_CONTENT,
} from "@ksm/mm";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { referenceSplitmix64 } from "./helpers.js";

/** The page of a 64-bit word repeated, little-endian. */
function wordBytes(word: bigint): Uint8Array {
  const out = new Uint8Array(PAGE_SIZE);
  const le = leBytes(word);
  for (let i = 0; i < PAGE_SIZE; i++) out[i] = le[i & 7]!;
  return out;
}

/** The 8 bytes of a 64-bit word, least significant first. */
function leBytes(word: bigint): number[] {
  return Array.from({ length: 8 }, (_, k) => Number((word >> BigInt(8 * k)) & 0xffn));
}

function memcmp(a: Uint8Array, b: Uint8Array): { sign: number; offset: number } {
  for (let i = 0; i < PAGE_SIZE; i++) if (a[i] !== b[i]) return { sign: a[i]! < b[i]! ? -1 : 1, offset: i };
  return { sign: 0, offset: PAGE_SIZE };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return memcmp(a, b).sign === 0;
}

/** The pokes that turn page `from` into page `to`. */
function pokesBetween(from: Uint8Array, to: Uint8Array): Poke[] {
  const out: Poke[] = [];
  for (let i = 0; i < PAGE_SIZE; i++) if (from[i] !== to[i]) out.push([i, to[i]!]);
  return out;
}

describe("ContentStore basics", () => {
  it("the zero content is 4096 zero bytes", () => {
    const s = new ContentStore();
    expect(s.bytes(ZERO_CONTENT).every((b) => b === 0)).toBe(true);
    expect(s.pattern(unsplitmix64(0n))).toBe(ZERO_CONTENT);
    expect(s.fromBytes(new Uint8Array(PAGE_SIZE))).toBe(ZERO_CONTENT);
  });

  it("pattern(0) starts with splitmix64(0) in little-endian order", () => {
    const s = new ContentStore();
    const b = s.bytes(s.pattern(0n));
    expect([...b.subarray(0, 16)]).toEqual([
      0xaf, 0xcd, 0x1d, 0x7b, 0x39, 0xa8, 0x20, 0xe2, 0xaf, 0xcd, 0x1d, 0x7b, 0x39, 0xa8, 0x20, 0xe2,
    ]);
  });

  it("pattern(S) is the little-endian word splitmix64(S) repeated 512 times", () => {
    const s = new ContentStore();
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 53n) - 1n }), (seed) => {
        const b = s.bytes(s.pattern(seed));
        expect(b.length).toBe(PAGE_SIZE);
        const view = new DataView(b.buffer, b.byteOffset, PAGE_SIZE);
        const word = referenceSplitmix64(seed);
        let mismatches = 0;
        for (let i = 0; i < PAGE_SIZE; i += 8) if (view.getBigUint64(i, true) !== word) mismatches++;
        expect(mismatches).toBe(0);
        expect(s.isPlain(s.pattern(seed))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it("equal seeds give the same handle, different seeds different handles", () => {
    const s = new ContentStore();
    expect(s.pattern(7n)).toBe(s.pattern(7n));
    expect(s.pattern(7n)).not.toBe(s.pattern(8n));
    expect(s.pattern(7n)).not.toBe(ZERO_CONTENT);
  });

  it("pokes set single bytes, later pokes win, and the result is not plain", () => {
    const s = new ContentStore();
    const id = s.pattern(11n, [
      [0, 1],
      [4095, 0],
      [100, 7],
      [100, 9],
    ]);
    const b = s.bytes(id);
    const expected = wordBytes(referenceSplitmix64(11n));
    expected[0] = 1;
    expected[4095] = 0;
    expected[100] = 9;
    expect(sameBytes(b, expected)).toBe(true);
    expect(s.isPlain(id)).toBe(false);
    expect(s.pattern(11n, [[4095, 0]])).not.toBe(s.pattern(11n));
    expect(s.pattern(11n, [[4095, 0]])).toBe(s.pattern(11n, [[4095, 0]]));
  });

  it("bytes() writes into `out` when given one and returns fresh copies otherwise", () => {
    const s = new ContentStore();
    const id = s.pattern(3n, [[5, 5]]);
    const a = s.bytes(id);
    a[0] = a[0]! ^ 0xff;
    expect(s.bytes(id)[0]).not.toBe(a[0]);
    const out = new Uint8Array(PAGE_SIZE);
    expect(s.bytes(id, out)).toBe(out);
    expect(out[5]).toBe(5);
  });

  it("bytes() writes the same page into any `out`, aligned or not, one after another", () => {
    const s = new ContentStore();
    const ids = [s.unique(), s.pattern(3n, [[5, 5]]), s.pattern(4n), s.unique()];
    const big = new Uint8Array(PAGE_SIZE * 3 + 16);
    for (const id of ids) {
      const want = s.bytes(id);
      for (const at of [0, 1, 3, 4, 8, PAGE_SIZE + 4, 2 * PAGE_SIZE + 7]) {
        big.fill(0xee);
        const out = big.subarray(at, at + PAGE_SIZE);
        expect(sameBytes(s.bytes(id, out), want)).toBe(true);
        expect(big[at - 1] ?? 0xee).toBe(0xee);
        expect(big[at + PAGE_SIZE] ?? 0xee).toBe(0xee);
      }
    }
  });

  it("fromBytes rejects a buffer that is not one page", () => {
    const s = new ContentStore();
    expect(() => s.fromBytes(new Uint8Array(4095))).toThrow(RangeError);
  });

  it("a poke that restores the original byte gives back the plain pattern", () => {
    const s = new ContentStore();
    const orig = s.bytes(s.pattern(5n));
    expect(s.pattern(5n, [[17, orig[17]!]])).toBe(s.pattern(5n));
    expect(
      s.pattern(5n, [
        [17, orig[17]! ^ 1],
        [17, orig[17]!],
      ]),
    ).toBe(s.pattern(5n));
  });

  it("pageWords() describes every content that keeps no bytes by its words, and refuses the others", () => {
    const s = new ContentStore();
    const word = new Uint32Array(2);
    const patches = new Uint32Array(3 * SPARSE_MAX);
    /** The page pageWords() describes, rebuilt byte by byte. */
    const rebuilt = (n: number) => {
      const page = wordBytes((BigInt(word[1]!) << 32n) | BigInt(word[0]!));
      for (let k = 0; k < n; k++) {
        const slot = patches[3 * k]!;
        if (k > 0) expect(slot).toBeGreaterThan(patches[3 * (k - 1)]!);
        page.set(leBytes((BigInt(patches[3 * k + 2]!) << 32n) | BigInt(patches[3 * k + 1]!)), slot * 8);
      }
      return page;
    };
    const plain = [ZERO_CONTENT, s.pattern(5n), s.pattern(1n << 52n), s.unique(), s.unique()];
    for (const id of plain) {
      expect(s.pageWords(id, word, patches)).toBe(0);
      expect(sameBytes(s.bytes(id), rebuilt(0))).toBe(true);
    }
    // pokes in one slot, in neighbouring slots, at the first and last byte, SPARSE_MAX of them
    const pokes: Poke[][] = [
      [[17, 3]],
      [
        [16, 1],
        [17, 2],
        [23, 3],
        [24, 4],
      ],
      [
        [0, 9],
        [4095, 8],
      ],
      Array.from({ length: SPARSE_MAX }, (_, k): Poke => [k * 61, k]),
    ];
    for (const p of pokes) {
      const id = s.pattern(5n, p);
      expect(s.isPlain(id)).toBe(false);
      const n = s.pageWords(id, word, patches);
      const base = s.bytes(s.pattern(5n));
      const page = s.bytes(id);
      const differing = new Set(
        Array.from({ length: PAGE_SIZE }, (_, i) => i)
          .filter((i) => page[i] !== base[i])
          .map((i) => i >> 3),
      );
      expect(n).toBe(differing.size);
      expect(sameBytes(s.bytes(id), rebuilt(n))).toBe(true);
    }
    const dense = s.fromBytes(Uint8Array.from({ length: PAGE_SIZE }, (_, i) => (i * 7) & 0xff));
    word.fill(9);
    expect(s.pageWords(dense, word, patches)).toBe(-1);
    expect([...word]).toEqual([9, 9]);
  });

  it("a page rewritten by pokes into another pattern's bytes is that pattern", () => {
    const s = new ContentStore();
    const target = s.bytes(s.pattern(2n));
    const id = s.pattern(1n, pokesBetween(s.bytes(s.pattern(1n)), target));
    expect(id).toBe(s.pattern(2n));
    expect(s.isPlain(id)).toBe(true);
    // Half one word, half another: a tie, and both starting points must agree.
    const half = s.bytes(s.pattern(1n));
    half.set(target.subarray(0, PAGE_SIZE / 2));
    const fromOne = s.pattern(1n, pokesBetween(s.bytes(s.pattern(1n)), half));
    const fromTwo = s.pattern(2n, pokesBetween(target, half));
    expect(fromOne).toBe(fromTwo);
    expect(s.fromBytes(half)).toBe(fromOne);
    expect(sameBytes(s.bytes(fromOne), half)).toBe(true);
    // Rewriting into zeros gives the zero page.
    expect(s.pattern(9n, pokesBetween(s.bytes(s.pattern(9n)), new Uint8Array(PAGE_SIZE)))).toBe(ZERO_CONTENT);
  });
});

/** A page described as words drawn from a small seed pool, plus byte pokes. */
interface PageDesc {
  readonly runs: ReadonlyArray<{ start: number; len: number; seed: number }>;
  readonly base: number;
  readonly pokes: ReadonlyArray<{ offset: number; value: number | "orig" }>;
  readonly builder: number;
}

const SEEDS = [0n, 1n, 2n];

const seedIndex = fc.nat(SEEDS.length - 1);
const poke = fc.record({
  // A few hot offsets, so that pokes of different pages often coincide.
  offset: fc.oneof(fc.constantFrom(0, 1, 7, 8, 4095), fc.nat(4095)),
  value: fc.oneof(fc.constant("orig" as const), fc.constantFrom(0, 255), fc.nat(255)),
});

const pageDesc: fc.Arbitrary<PageDesc> = fc.record({
  base: seedIndex,
  runs: fc.array(
    fc.oneof(
      // A run over the whole page: the page is then another pattern altogether.
      fc.record({ start: fc.constant(0), len: fc.constant(512), seed: seedIndex }),
      fc.record({ start: fc.nat(511), len: fc.integer({ min: 1, max: 512 }), seed: seedIndex }),
    ),
    { maxLength: 3 },
  ),
  pokes: fc.array(poke, { maxLength: 4 }),
  builder: fc.nat(2),
});

/**
 * Pages drawn as variants of a few base descriptions (extra pokes, another route), so that
 * equal pages built differently are frequent.
 */
const pageFamily: fc.Arbitrary<PageDesc[]> = fc
  .tuple(
    fc.array(pageDesc, { minLength: 1, maxLength: 3 }),
    fc.array(fc.record({ which: fc.nat(), builder: fc.nat(2), extra: fc.array(poke, { maxLength: 2 }) }), {
      minLength: 2,
      maxLength: 8,
    }),
  )
  .map(([bases, picks]) =>
    picks.map((p) => {
      const b = bases[p.which % bases.length]!;
      return { ...b, builder: p.builder, pokes: [...b.pokes, ...p.extra] };
    }),
  );

/** The bytes a description stands for. */
function descBytes(d: PageDesc): Uint8Array {
  const words = new Array<number[]>(512).fill(leBytes(referenceSplitmix64(SEEDS[d.base]!)));
  for (const r of d.runs) {
    const le = leBytes(referenceSplitmix64(SEEDS[r.seed]!));
    for (let w = r.start; w < Math.min(512, r.start + r.len); w++) words[w] = le;
  }
  const out = new Uint8Array(PAGE_SIZE);
  for (let i = 0; i < PAGE_SIZE; i++) out[i] = words[i >> 3]![i & 7]!;
  for (const p of d.pokes)
    out[p.offset] = p.value === "orig" ? words[p.offset >> 3]![p.offset & 7]! : p.value;
  return out;
}

/** Interns the page through one of several routes, all of which must agree. */
function build(s: ContentStore, d: PageDesc): ContentId {
  const bytes = descBytes(d);
  switch (d.builder) {
    case 0:
      return s.fromBytes(bytes);
    case 1: {
      // From the base pattern, poking every byte that differs.
      const seed = SEEDS[d.base]!;
      return s.pattern(seed, pokesBetween(wordBytes(referenceSplitmix64(seed)), bytes));
    }
    default: {
      // From another pattern of the pool.
      const seed = SEEDS[(d.base + 1) % SEEDS.length]!;
      return s.pattern(seed, pokesBetween(wordBytes(referenceSplitmix64(seed)), bytes));
    }
  }
}

describe("ContentStore interning (properties)", () => {
  it("handles are equal if and only if bytes are equal, whatever route built them", () => {
    fc.assert(
      fc.property(pageFamily, fc.nat(3), (descs, uniques) => {
        const s = new ContentStore();
        const ids: ContentId[] = [];
        const bytes: Uint8Array[] = [];
        for (let i = 0; i < uniques; i++) {
          const u = s.unique();
          ids.push(u);
          bytes.push(s.bytes(u));
        }
        for (const d of descs) {
          ids.push(build(s, d));
          bytes.push(descBytes(d));
        }
        ids.push(ZERO_CONTENT);
        bytes.push(new Uint8Array(PAGE_SIZE));
        for (let i = 0; i < ids.length; i++) {
          expect(sameBytes(s.bytes(ids[i]!), bytes[i]!)).toBe(true);
          for (let j = 0; j < ids.length; j++)
            expect(ids[i] === ids[j]).toBe(sameBytes(bytes[i]!, bytes[j]!));
        }
        // Building the same pages again, by every route, finds the same handles.
        for (const [k, d] of descs.entries())
          for (let b = 0; b < 3; b++) expect(build(s, { ...d, builder: b })).toBe(ids[uniques + k]);
      }),
      { numRuns: 150 },
    );
  });

  it("compare() has the sign of memcmp and reports the first differing offset", () => {
    fc.assert(
      fc.property(fc.array(pageDesc, { minLength: 1, maxLength: 5 }), fc.nat(2), (descs, uniques) => {
        const s = new ContentStore();
        const ids: ContentId[] = [ZERO_CONTENT];
        for (let i = 0; i < uniques; i++) ids.push(s.unique());
        for (const d of descs) ids.push(build(s, d));
        ids.push(s.pattern(0n), s.pattern(1n));
        for (const a of ids)
          for (const b of ids) {
            const want = memcmp(s.bytes(a), s.bytes(b));
            expect(s.compare(a, b)).toBe(want.sign);
            expect(s.lastCompareOffset).toBe(want.offset);
          }
      }),
      { numRuns: 150 },
    );
  });

  it("compare() of plain words finds the first differing byte in any of the 8 positions", () => {
    const s = new ContentStore();
    // Words differing only in byte k: found through fromBytes of hand-made pages.
    for (let k = 0; k < 8; k++) {
      for (const [x, y] of [
        [0x10, 0x20],
        [0xff, 0x00],
        [0x7f, 0x80],
      ] as const) {
        const a = new Uint8Array(PAGE_SIZE).fill(0x55);
        const b = new Uint8Array(PAGE_SIZE).fill(0x55);
        for (let i = k; i < PAGE_SIZE; i += 8) {
          a[i] = x;
          b[i] = y;
        }
        const ia = s.fromBytes(a);
        const ib = s.fromBytes(b);
        expect(s.isPlain(ia) && s.isPlain(ib)).toBe(true);
        expect(s.compare(ia, ib)).toBe(x < y ? -1 : 1);
        expect(s.lastCompareOffset).toBe(k);
        expect(s.compare(ib, ia)).toBe(x < y ? 1 : -1);
        expect(s.lastCompareOffset).toBe(k);
      }
    }
  });
});

describe("unique()", () => {
  it("never equals anything else", () => {
    const s = new ContentStore();
    const others = [ZERO_CONTENT, s.pattern(0n), s.pattern(1n, [[0, 0]]), s.pattern(2n ** 53n - 1n)];
    const us = Array.from({ length: 50 }, () => s.unique());
    expect(new Set(us).size).toBe(us.length);
    expect(s.uniqueCount).toBe(50);
    for (const u of us) {
      expect(others).not.toContain(u);
      for (const o of [...others, ...us.filter((x) => x !== u)]) {
        expect(s.compare(u, o)).not.toBe(0);
        expect(sameBytes(s.bytes(u), s.bytes(o))).toBe(false);
      }
      // Its bytes intern back to itself, not to a new handle.
      expect(s.fromBytes(s.bytes(u))).toBe(u);
      expect(s.isPlain(u)).toBe(true);
    }
  });

  it("is drawn from pattern seeds 2^60 and up, as the oracle does", () => {
    const s = new ContentStore();
    for (let i = 0; i < 20; i++) {
      const b = s.bytes(s.unique());
      const word = new DataView(b.buffer).getBigUint64(0, true);
      expect(sameBytes(b, wordBytes(word))).toBe(true);
      expect(unsplitmix64(word) >= 1n << 60n).toBe(true);
    }
  });

  it("does not grow the interned table", () => {
    const s = new ContentStore();
    const before = s.internedCount;
    for (let i = 0; i < 100; i++) s.unique();
    expect(s.internedCount).toBe(before);
    s.pattern(123n);
    expect(s.internedCount).toBe(before + 1);
  });
});

describe("unique pages and the seeds they are drawn from", () => {
  it("keeps one handle per content whichever comes first", () => {
    const s = new ContentStore();
    const u0 = s.unique();
    expect(s.pattern(1n << 60n)).toBe(u0);
    const p1 = s.pattern((1n << 60n) + 1n);
    const u1 = s.unique();
    expect(u1).not.toBe(p1);
    expect(s.compare(u1, p1)).not.toBe(0);
    expect(s.pattern((1n << 60n) + 1n)).toBe(p1);
  });
});

describe("near-duplicate and captured contents (properties)", () => {
  /** A page as a base seed and pokes, some on the hot first word, where memcmp decides between words. */
  const nearDesc = fc.record({
    seed: fc.constantFrom(0n, 1n, 2n, 1n << 60n),
    pokes: fc.array(
      fc.tuple(fc.oneof(fc.nat(7), fc.constantFrom(8, 15, 4088, 4095), fc.nat(4095)), fc.nat(255)),
      { maxLength: 6 },
    ),
  });

  it("pattern + pokes: compare() is memcmp's sign and first offset, and handles are byte equality", () => {
    fc.assert(
      fc.property(fc.array(nearDesc, { minLength: 2, maxLength: 8 }), fc.boolean(), (descs, withUnique) => {
        const s = new ContentStore();
        if (withUnique) s.unique(); // seed 2^60 is then a unique page's
        const ids = descs.map((d) => s.pattern(d.seed, d.pokes as Poke[]));
        const pages = descs.map((d) => {
          const b = wordBytes(referenceSplitmix64(d.seed));
          for (const [o, v] of d.pokes) b[o] = v;
          return b;
        });
        for (let i = 0; i < ids.length; i++) {
          expect(sameBytes(s.bytes(ids[i]!), pages[i]!)).toBe(true);
          expect(s.fromBytes(pages[i]!)).toBe(ids[i]);
          for (let j = 0; j < ids.length; j++) {
            const want = memcmp(pages[i]!, pages[j]!);
            expect(s.compare(ids[i]!, ids[j]!)).toBe(want.sign);
            expect(s.lastCompareOffset).toBe(want.offset);
            expect(ids[i] === ids[j]).toBe(want.sign === 0);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it("pages with more exceptions than SPARSE_MAX keep their bytes and still compare as memcmp", () => {
    // around the boundary: SPARSE_MAX - 1 .. SPARSE_MAX + 2 exceptions, and random captured pages
    const counts = [SPARSE_MAX - 1, SPARSE_MAX, SPARSE_MAX + 1, SPARSE_MAX + 2];
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({
              n: fc.constantFrom(...counts),
              at: fc.nat(PAGE_SIZE - 1 - (SPARSE_MAX + 2) * 3),
              v: fc.integer({ min: 1, max: 255 }),
            }),
            fc.uint8Array({ minLength: PAGE_SIZE, maxLength: PAGE_SIZE }),
          ),
          { minLength: 2, maxLength: 6 },
        ),
        (descs) => {
          const s = new ContentStore();
          const pages = descs.map((d) => {
            if (d instanceof Uint8Array) return d;
            const b = new Uint8Array(PAGE_SIZE);
            // every third byte from `at`: distinct words, well under half of them
            for (let k = 0; k < d.n; k++) b[d.at + 3 * k] = d.v;
            return b;
          });
          const ids = pages.map((p, i) =>
            i % 2 === 0 ? s.fromBytes(p) : s.pattern(0n, pokesBetween(wordBytes(referenceSplitmix64(0n)), p)),
          );
          for (let i = 0; i < ids.length; i++) {
            expect(sameBytes(s.bytes(ids[i]!), pages[i]!)).toBe(true);
            for (let j = 0; j < ids.length; j++) {
              const want = memcmp(pages[i]!, pages[j]!);
              expect(s.compare(ids[i]!, ids[j]!)).toBe(want.sign);
              expect(s.lastCompareOffset).toBe(want.offset);
              expect(ids[i] === ids[j]).toBe(want.sign === 0);
            }
            expect(s.compare(ids[i]!, ZERO_CONTENT)).toBe(memcmp(pages[i]!, new Uint8Array(PAGE_SIZE)).sign);
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it("interning pokes builds no page and stores no bytes: 100,000 near-duplicates stay small", () => {
    const s = new ContentStore();
    const before = process.memoryUsage().arrayBuffers;
    const ids = new Set<ContentId>();
    for (let i = 0; i < 100_000; i++) ids.add(s.pattern(BigInt(1_000_000 + i), [[4095, i & 63]]));
    expect(ids.size).toBe(100_000);
    // 100,000 pages of bytes would be 390 MiB; the exceptions and columns are a few MiB
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(32 * 1024 * 1024);
  });
});
