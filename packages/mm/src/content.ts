import { splitmix64, splitmix64Halves, unsplitmix64 } from "./splitmix.js";

/** Bytes in a page. */
export const PAGE_SIZE = 4096;
/** An interned page content: equal handles if and only if equal bytes. */
export type ContentId = number;
/** The handle of the all-zero page content. */
export const ZERO_CONTENT: ContentId = 0;

/** Contents from this handle up are "unique" pages, computed on the fly and never stored. */
export const UNIQUE_BASE = 0x8000_0000;
/** Scenario v1: the oracle draws unique pages from pattern seeds 2^60 up. */
const UNIQUE_SEED_BASE = 1n << 60n;
const WORDS = PAGE_SIZE / 8;
/** Whether typed arrays are little-endian here (then a page's bytes are its words as they are). */
const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

interface Exceptions {
  readonly offsets: Uint16Array;
  readonly values: Uint8Array;
}

/** A poke: set byte `offset` of the page to `value`. */
export type Poke = readonly [offset: number, value: number];

/**
 * Page contents, each stored once (interned) and never materialised as 4 KiB until bytes
 * are asked for. A content is a 64-bit base word repeated 512 times (little-endian), plus
 * optional byte exceptions. The representation is canonical (a function of the bytes), so
 * handle equality is byte equality, and {@link compare} agrees with `memcmp`.
 */
export class ContentStore {
  private lo = new Uint32Array(1024);
  private hi = new Uint32Array(1024);
  /** 1 for interned contents with byte exceptions. */
  private excepted = new Uint8Array(1024);
  private count = 1; // handle 0 is the zero page: word 0, no exceptions
  private readonly byWord = new Map<bigint, ContentId>([[0n, ZERO_CONTENT]]);
  private readonly byKey = new Map<string, ContentId>();
  private readonly exceptions = new Map<ContentId, Exceptions>();
  private readonly materialised = new Map<ContentId, Uint8Array>();
  private uniques = 0;
  private uniqueSeedsInterned = false;
  /** Words of unique contents, computed once when handed out. */
  private ulo = new Uint32Array(1024);
  private uhi = new Uint32Array(1024);
  private readonly w = new Uint32Array(2);
  /** fromBytes: the page's words, to sort, and the offsets of its bytes off the base word. */
  private readonly scratch = new BigUint64Array(WORDS);
  private readonly offsetScratch = new Uint16Array(PAGE_SIZE);

  /** Number of interned (non-unique) contents, the zero page included. */
  get internedCount(): number {
    return this.count;
  }

  /** Number of unique contents handed out. */
  get uniqueCount(): number {
    return this.uniques;
  }

  /** The page `{pattern: seed}` with optional pokes (scenario v1). */
  pattern(seed: bigint, pokes: readonly Poke[] = []): ContentId {
    const word = splitmix64(seed);
    if (pokes.length === 0) {
      if (seed >= UNIQUE_SEED_BASE) {
        // the seeds "unique" pages are drawn from: keep one handle per content
        const k = seed - UNIQUE_SEED_BASE;
        if (k < BigInt(this.uniques) && !this.byWord.has(word)) return UNIQUE_BASE + Number(k);
        this.uniqueSeedsInterned = true;
      }
      return this.internWord(word);
    }
    const bytes = wordPage(word);
    for (const [off, val] of pokes) bytes[off] = val;
    return this.fromBytes(bytes);
  }

  /** A page equal to no other page handed out, ever. */
  unique(): ContentId {
    for (;;) {
      if (this.uniques >= 0x7fff_ffff) throw new RangeError("out of unique page contents");
      const k = this.uniques++;
      if (k === this.ulo.length) {
        const lo = new Uint32Array(k * 2);
        lo.set(this.ulo);
        this.ulo = lo;
        const hi = new Uint32Array(k * 2);
        hi.set(this.uhi);
        this.uhi = hi;
      }
      // seed 2^60 + k: lo = k, hi = 2^28 (k < 2^31)
      splitmix64Halves(k, 0x1000_0000, this.w);
      this.ulo[k] = this.w[0]!;
      this.uhi[k] = this.w[1]!;
      // skip a seed whose page was already interned through pattern() (never in scenarios)
      if (!this.uniqueSeedsInterned || !this.byWord.has(splitmix64(UNIQUE_SEED_BASE + BigInt(k))))
        return UNIQUE_BASE + k;
    }
  }

  /** Interns arbitrary page bytes (4096 of them). */
  fromBytes(bytes: Uint8Array): ContentId {
    if (bytes.length !== PAGE_SIZE) throw new RangeError(`a page has ${PAGE_SIZE} bytes`);
    // Canonical base word: the most frequent aligned word, the smallest on ties; sorted,
    // the first longest run of equal words is it.
    const words = this.scratch;
    if (LITTLE_ENDIAN) new Uint8Array(words.buffer).set(bytes);
    else {
      const view = new DataView(bytes.buffer, bytes.byteOffset, PAGE_SIZE);
      for (let i = 0; i < WORDS; i++) words[i] = view.getBigUint64(i * 8, true);
    }
    words.sort();
    let best = 0n;
    let bestCount = 0;
    let run = 1;
    let prev = words[0]!;
    for (let i = 1; i <= WORDS; i++) {
      const w = i < WORDS ? words[i]! : -1n;
      if (w === prev) {
        run++;
        continue;
      }
      if (run > bestCount) {
        best = prev;
        bestCount = run;
      }
      prev = w;
      run = 1;
    }
    const base = wordPage(best);
    const offsets = this.offsetScratch;
    let n = 0;
    for (let i = 0; i < PAGE_SIZE; i++) if (bytes[i] !== base[i]) offsets[n++] = i;
    if (n === 0) {
      const seed = unsplitmix64(best) - UNIQUE_SEED_BASE;
      if (seed >= 0n && seed < BigInt(this.uniques)) return UNIQUE_BASE + Number(seed);
      return this.internWord(best);
    }
    // the bytes themselves, one latin1 character each, are the key of a content with exceptions
    const key = Buffer.from(bytes.buffer, bytes.byteOffset, PAGE_SIZE).toString("latin1");
    const found = this.byKey.get(key);
    if (found !== undefined) return found;
    const kept = offsets.slice(0, n);
    const values = new Uint8Array(n);
    for (let i = 0; i < n; i++) values[i] = bytes[kept[i]!]!;
    const id = this.add(best);
    this.byKey.set(key, id);
    this.exceptions.set(id, { offsets: kept, values });
    this.excepted[id] = 1;
    return id;
  }

  /** Whether the content is a plain repeated word (no byte exceptions). */
  isPlain(id: ContentId): boolean {
    return id >= UNIQUE_BASE || this.excepted[id] === 0;
  }

  /** The 4096 bytes of a content (a fresh copy unless `out` is given). */
  bytes(id: ContentId, out: Uint8Array = new Uint8Array(PAGE_SIZE)): Uint8Array {
    this.wordOf(id, this.w);
    const lo = this.w[0]!;
    const hi = this.w[1]!;
    const view = new DataView(out.buffer, out.byteOffset, PAGE_SIZE);
    for (let i = 0; i < PAGE_SIZE; i += 8) {
      view.setUint32(i, lo, true);
      view.setUint32(i + 4, hi, true);
    }
    const ex = id < UNIQUE_BASE ? this.exceptions.get(id) : undefined;
    if (ex) for (let i = 0; i < ex.offsets.length; i++) out[ex.offsets[i]!] = ex.values[i]!;
    return out;
  }

  /**
   * `memcmp` of two pages, reduced to its sign (-1, 0, 1), and the offset of the first
   * differing byte (PAGE_SIZE when equal) through {@link lastCompareOffset}.
   */
  compare(a: ContentId, b: ContentId): number {
    if (a === b) {
      this.lastCompareOffset = PAGE_SIZE;
      return 0;
    }
    if (this.isPlain(a) && this.isPlain(b)) {
      const ua = a >= UNIQUE_BASE;
      const ub = b >= UNIQUE_BASE;
      const alo = ua ? this.ulo[a - UNIQUE_BASE]! : this.lo[a]!;
      const blo = ub ? this.ulo[b - UNIQUE_BASE]! : this.lo[b]!;
      let x = (alo ^ blo) >>> 0;
      let shiftBase = 0;
      let wa = alo;
      let wb = blo;
      if (x === 0) {
        wa = ua ? this.uhi[a - UNIQUE_BASE]! : this.hi[a]!;
        wb = ub ? this.uhi[b - UNIQUE_BASE]! : this.hi[b]!;
        x = (wa ^ wb) >>> 0;
        shiftBase = 4;
        if (x === 0) {
          this.lastCompareOffset = PAGE_SIZE;
          return 0;
        }
      }
      const byte = (31 - Math.clz32(x & -x)) >>> 3;
      this.lastCompareOffset = shiftBase + byte;
      return ((wa >>> (byte * 8)) & 0xff) < ((wb >>> (byte * 8)) & 0xff) ? -1 : 1;
    }
    const pa = this.materialise(a);
    const pb = this.materialise(b);
    for (let i = 0; i < PAGE_SIZE; i++) {
      if (pa[i] !== pb[i]) {
        this.lastCompareOffset = i;
        return pa[i]! < pb[i]! ? -1 : 1;
      }
    }
    this.lastCompareOffset = PAGE_SIZE;
    return 0;
  }

  /**
   * The memcmp-ordered key of a plain content (see {@link isPlain}): its word byte-swapped
   * into two unsigned halves, so that comparing (hi, lo) as numbers compares the pages.
   * Writes [hi, lo] into `out`; returns false (writing nothing) for a content with byte
   * exceptions.
   */
  key(id: ContentId, out: Uint32Array): boolean {
    if (!this.isPlain(id)) return false;
    const u = id >= UNIQUE_BASE;
    const lo = u ? this.ulo[id - UNIQUE_BASE]! : this.lo[id]!;
    const hi = u ? this.uhi[id - UNIQUE_BASE]! : this.hi[id]!;
    out[0] = bswap32(lo);
    out[1] = bswap32(hi);
    return true;
  }

  /** Offset of the first differing byte found by the last {@link compare} (PAGE_SIZE if equal). */
  lastCompareOffset = 0;

  private materialise(id: ContentId): Uint8Array {
    let m = this.materialised.get(id);
    if (!m) {
      m = this.bytes(id);
      if (!this.isPlain(id)) this.materialised.set(id, m);
    }
    return m;
  }

  private wordOf(id: ContentId, out: Uint32Array): void {
    if (id >= UNIQUE_BASE) {
      out[0] = this.ulo[id - UNIQUE_BASE]!;
      out[1] = this.uhi[id - UNIQUE_BASE]!;
    } else {
      out[0] = this.lo[id]!;
      out[1] = this.hi[id]!;
    }
  }

  private internWord(word: bigint): ContentId {
    const found = this.byWord.get(word);
    if (found !== undefined) return found;
    const id = this.add(word);
    this.byWord.set(word, id);
    return id;
  }

  private add(word: bigint): ContentId {
    if (this.count === this.lo.length) {
      const lo = new Uint32Array(this.count * 2);
      lo.set(this.lo);
      this.lo = lo;
      const hi = new Uint32Array(this.count * 2);
      hi.set(this.hi);
      this.hi = hi;
      const ex = new Uint8Array(this.count * 2);
      ex.set(this.excepted);
      this.excepted = ex;
    }
    const id = this.count++;
    if (id >= UNIQUE_BASE) throw new RangeError("too many distinct page contents");
    this.lo[id] = Number(word & 0xffff_ffffn);
    this.hi[id] = Number(word >> 32n);
    return id;
  }
}

function bswap32(x: number): number {
  return (((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)) >>> 0;
}

function wordPage(word: bigint): Uint8Array {
  const out = new Uint8Array(PAGE_SIZE);
  const view = new DataView(out.buffer);
  for (let i = 0; i < PAGE_SIZE; i += 8) view.setBigUint64(i, word, true);
  return out;
}
