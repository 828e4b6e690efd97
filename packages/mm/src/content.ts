import { splitmix64Halves, unsplitmix64 } from "./splitmix.js";
import { grown } from "./typed-store.js";

/** Bytes in a page. */
export const PAGE_SIZE = 4096;
/** An interned page content: equal handles if and only if equal bytes. */
export type ContentId = number;
/** The handle of the all-zero page content. */
export const ZERO_CONTENT: ContentId = 0;

/** Contents from this handle up are "unique" pages, computed on the fly and never stored. */
export const UNIQUE_BASE = 0x8000_0000;
/**
 * A content with more byte exceptions than this keeps its 4096 bytes instead (a captured
 * page, as a rule), compared with `Buffer.compare`; one with at most this many is compared
 * exception by exception.
 */
export const SPARSE_MAX = 64;
/** Scenario v1: the oracle draws unique pages from pattern seeds 2^60 up. */
const UNIQUE_SEED_BASE = 1n << 60n;
const WORDS = PAGE_SIZE / 8;
/** Whether typed arrays are little-endian here (then a page's bytes are its words as they are). */
const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** How an interned content is stored: its base word alone, with a few byte exceptions, or its bytes. */
const PLAIN = 0;
const SPARSE = 1;
const DENSE = 2;
/** Words per content in the store's `meta` column, and the kind's bits in its tag. */
const META = 4;
const KIND = 3;
/**
 * The tag of an interned content: its kind, its exception count and the offset of its
 * first exception (PAGE_SIZE when it has none), which decides most comparisons alone.
 */
function tag(kind: number, count: number, first: number): number {
  return (kind | (count << 2) | (first << 16)) >>> 0;
}
const PLAIN_TAG = tag(PLAIN, 0, PAGE_SIZE);
/** The exception count of a tag. */
function exCount(t: number): number {
  return (t >>> 2) & 0x3fff;
}
/** An empty slot of the intern table. */
const EMPTY = -1;

/** {@link ContentStore.key}: the content has no key. */
export const NO_KEY = 0;
/** {@link ContentStore.key}: the key is the whole page (a plain content). */
export const KEY_EXACT = 1;
/** {@link ContentStore.key}: the key is the page's first 8 bytes, and more follows. */
export const KEY_PREFIX = 2;

/** A poke: set byte `offset` of the page to `value`. */
export type Poke = readonly [offset: number, value: number];

/**
 * Page contents, each stored once (interned) and never materialised as 4 KiB until bytes
 * are asked for. A content is a 64-bit base word repeated 512 times (little-endian), plus
 * byte exceptions: up to {@link SPARSE_MAX} of them kept as (offset, value) pairs in a
 * shared pool, more as the page's bytes. The representation is canonical (a function of
 * the bytes: the base word is the page's most frequent aligned word, the smallest on ties),
 * so handle equality is byte equality, and {@link compare} agrees with `memcmp` in time
 * proportional to the exceptions, not to the page.
 */
export class ContentStore {
  /**
   * Interned contents, {@link META} words each, side by side so that a comparison reads one
   * cache line per content: the word's low and high halves, where its exceptions start in
   * the pool, and a tag (kind, exception count, first exception's offset; see {@link tag}).
   */
  private meta = new Uint32Array(1024 * META);
  /** Intern-table hash of each content (to rehash without recomputing). */
  private hash = new Uint32Array(1024);
  /** SPARSE: the exceptions' offsets (ascending) and values, `count` from `start` each. */
  private exOff = new Uint16Array(4096);
  private exVal = new Uint8Array(4096);
  private exUsed = 0;
  /** DENSE: the page's bytes. */
  private readonly dense = new Map<ContentId, Buffer>();
  private count = 0;
  /** Open addressing over every interned content (handles, {@link EMPTY} for free slots). */
  private table = new Int32Array(2048).fill(EMPTY);
  /** The free slot where the last failed lookup ended. */
  private freeSlot = 0;
  /** The slot a lookup looks at next. */
  private cursor = 0;

  private uniques = 0;
  private uniqueSeedsInterned = false;
  /** The word of the content at hand (a unique content's is computed from its number). */
  private readonly w = new Uint32Array(2);
  private lastUnique = -1;
  private readonly lastUniqueWord = new Uint32Array(2);
  /** fillWord's last `out` and its 64-bit view. */
  private fillOut: Uint8Array | null = null;
  private fillView: Uint32Array | null = null;
  /** fromBytes: the page's words, to sort. */
  private readonly scratch = new BigUint64Array(WORDS);
  /** The exceptions of the content being interned. */
  private readonly offScratch = new Uint16Array(PAGE_SIZE);
  private readonly valScratch = new Uint8Array(PAGE_SIZE);
  /** pattern(): each offset's poked value while the pokes are gathered (-1: none). */
  private readonly poked = new Int16Array(PAGE_SIZE).fill(-1);
  private readonly touched = new Uint16Array(PAGE_SIZE);
  private readonly page = new Uint8Array(PAGE_SIZE);
  /** compare() of dense contents: the other side's bytes. */
  private readonly cmpA = Buffer.alloc(PAGE_SIZE);
  private readonly cmpB = Buffer.alloc(PAGE_SIZE);

  constructor() {
    this.internPlain(0, 0); // ZERO_CONTENT
  }

  /** Number of interned (non-unique) contents, the zero page included. */
  get internedCount(): number {
    return this.count;
  }

  /** Number of unique contents handed out (each known by its number alone: nothing is stored for it). */
  get uniqueCount(): number {
    return this.uniques;
  }

  /**
   * The page `{pattern: seed}` with optional pokes (scenario v1), interned from the word
   * and the pokes: no page is built unless the pokes leave more than {@link SPARSE_MAX}
   * exceptions or change half the page's words.
   */
  pattern(seed: bigint, pokes: readonly Poke[] = []): ContentId {
    const s = BigInt.asUintN(64, seed);
    splitmix64Halves(Number(s & 0xffff_ffffn), Number(s >> 32n), this.w);
    const lo = this.w[0]!;
    const hi = this.w[1]!;
    if (pokes.length === 0) {
      if (seed >= UNIQUE_SEED_BASE) {
        // the seeds "unique" pages are drawn from: keep one handle per content
        const k = seed - UNIQUE_SEED_BASE;
        if (k < BigInt(this.uniques) && this.findPlain(lo, hi) === EMPTY) return UNIQUE_BASE + Number(k);
        this.uniqueSeedsInterned = true;
      }
      return this.internPlain(lo, hi);
    }
    const poked = this.poked;
    const touched = this.touched;
    let t = 0;
    for (const [off, val] of pokes) {
      if (!Number.isInteger(off) || off < 0 || off >= PAGE_SIZE) continue;
      if (poked[off]! < 0) touched[t++] = off;
      poked[off] = val & 0xff;
    }
    if (t > 16) touched.subarray(0, t).sort();
    else insertionSort(touched, t);
    // the exceptions off the pattern word, and how many of its words they change
    let n = 0;
    let words = 0;
    let lastWord = -1;
    for (let i = 0; i < t; i++) {
      const off = touched[i]!;
      const v = poked[off]!;
      poked[off] = -1;
      if (v === baseByte(lo, hi, off & 7)) continue;
      this.offScratch[n] = off;
      this.valScratch[n++] = v;
      if (off >> 3 !== lastWord) {
        words++;
        lastWord = off >> 3;
      }
    }
    if (n === 0) return this.pattern(seed);
    // fewer than half the words changed: the pattern word stays the most frequent, the base
    if (words < WORDS / 2 && n <= SPARSE_MAX) return this.internSparse(lo, hi, n);
    const page = this.page;
    this.fillWord(page, lo, hi);
    for (let i = 0; i < n; i++) page[this.offScratch[i]!] = this.valScratch[i]!;
    return this.fromBytes(page);
  }

  /** A page equal to no other page handed out, ever. */
  unique(): ContentId {
    for (;;) {
      if (this.uniques >= 0x7fff_ffff) throw new RangeError("out of unique page contents");
      const k = this.uniques++;
      if (!this.uniqueSeedsInterned) return UNIQUE_BASE + k;
      // skip a seed whose page was already interned through pattern() (never in scenarios)
      this.uniqueWord(k);
      if (this.findPlain(this.w[0]!, this.w[1]!) === EMPTY) return UNIQUE_BASE + k;
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
    const lo = Number(best & 0xffff_ffffn);
    const hi = Number(best >> 32n);
    let n = 0;
    for (let i = 0; i < PAGE_SIZE; i++) {
      const v = bytes[i]!;
      if (v === baseByte(lo, hi, i & 7)) continue;
      this.offScratch[n] = i;
      this.valScratch[n++] = v;
    }
    if (n === 0) {
      const seed = unsplitmix64(best) - UNIQUE_SEED_BASE;
      if (seed >= 0n && seed < BigInt(this.uniques)) return UNIQUE_BASE + Number(seed);
      return this.internPlain(lo, hi);
    }
    return n <= SPARSE_MAX ? this.internSparse(lo, hi, n) : this.internDense(lo, hi, bytes);
  }

  /** Whether the content is a plain repeated word (no byte exceptions). */
  isPlain(id: ContentId): boolean {
    return id >= UNIQUE_BASE || (this.meta[id * META + 3]! & KIND) === PLAIN;
  }

  /**
   * A content as 512 little-endian 64-bit words: its base word into `word` (low half, high
   * half), and the slots whose word differs into `patches` as triples (the slot, 0–511 in
   * increasing order, then its word's low and high half; room for 3 × {@link SPARSE_MAX}
   * numbers is enough). Returns how many slots differ: 0 for a plain content (unique, or a
   * pattern without exceptions), -1 (and nothing written) for one that keeps its bytes.
   */
  pageWords(id: ContentId, word: Uint32Array, patches: Uint32Array): number {
    if (id >= UNIQUE_BASE) {
      this.uniqueWord(id - UNIQUE_BASE);
      word[0] = this.w[0]!;
      word[1] = this.w[1]!;
      return 0;
    }
    const m = this.meta;
    const t = m[id * META + 3]!;
    const k = t & KIND;
    if (k === DENSE) return -1;
    const lo = m[id * META]!;
    const hi = m[id * META + 1]!;
    word[0] = lo;
    word[1] = hi;
    if (k === PLAIN) return 0;
    // the exceptions, in offset order, into the words of their slots
    let n = 0;
    for (let i = m[id * META + 2]!, e = i + exCount(t); i < e; i++) {
      const off = this.exOff[i]!;
      const slot = off >>> 3;
      if (n === 0 || patches[3 * (n - 1)] !== slot) {
        patches[3 * n] = slot;
        patches[3 * n + 1] = lo;
        patches[3 * n + 2] = hi;
        n++;
      }
      const half = 3 * (n - 1) + 1 + ((off >>> 2) & 1);
      const shift = 8 * (off & 3);
      patches[half] = ((patches[half]! & ~(0xff << shift)) | (this.exVal[i]! << shift)) >>> 0;
    }
    return n;
  }

  /** The 4096 bytes of a content (a fresh copy unless `out` is given). */
  bytes(id: ContentId, out: Uint8Array = new Uint8Array(PAGE_SIZE)): Uint8Array {
    if (id >= UNIQUE_BASE) {
      this.uniqueWord(id - UNIQUE_BASE);
      this.fillWord(out, this.w[0]!, this.w[1]!);
      return out;
    }
    const m = this.meta;
    const t = m[id * META + 3]!;
    const k = t & KIND;
    if (k === DENSE) {
      out.set(this.dense.get(id)!);
      return out;
    }
    this.fillWord(out, m[id * META]!, m[id * META + 1]!);
    if (k === SPARSE)
      for (let i = m[id * META + 2]!, e = i + exCount(t); i < e; i++) out[this.exOff[i]!] = this.exVal[i]!;
    return out;
  }

  /**
   * `memcmp` of two pages, reduced to its sign (-1, 0, 1), and the offset of the first
   * differing byte (PAGE_SIZE when equal) through {@link lastCompareOffset}. Plain words
   * compare in a few operations, exceptions one by one, stored bytes with `Buffer.compare`.
   */
  compare(a: ContentId, b: ContentId): number {
    if (a === b) {
      this.lastCompareOffset = PAGE_SIZE;
      return 0;
    }
    const ua = a >= UNIQUE_BASE;
    const ub = b >= UNIQUE_BASE;
    const m = this.meta;
    const ta = ua ? PLAIN_TAG : m[a * META + 3]!;
    const tb = ub ? PLAIN_TAG : m[b * META + 3]!;
    const ka = ta & KIND;
    const kb = tb & KIND;
    if (ka === DENSE || kb === DENSE) return this.compareBytes(a, b);
    if (ua) this.uniqueWord(a - UNIQUE_BASE);
    const alo = ua ? this.w[0]! : m[a * META]!;
    const ahi = ua ? this.w[1]! : m[a * META + 1]!;
    if (ub) this.uniqueWord(b - UNIQUE_BASE);
    const blo = ub ? this.w[0]! : m[b * META]!;
    const bhi = ub ? this.w[1]! : m[b * META + 1]!;
    // Byte p of a page is its exception at p if it has one, else byte p & 7 of its word.
    // The first difference is at an exception of either page or at a byte position where
    // the words differ: walk those positions in order, each exception once.
    const xlo = (alo ^ blo) >>> 0;
    const xhi = (ahi ^ bhi) >>> 0;
    if ((xlo | xhi) !== 0) {
      // the words differ in the first 8 bytes: decided there unless an exception comes
      // first (plain pages, which have none, always are)
      const d = xlo !== 0 ? ctz(xlo) >>> 3 : 4 + (ctz(xhi) >>> 3);
      if (ta >>> 16 > d && tb >>> 16 > d) {
        this.lastCompareOffset = d;
        return baseByte(alo, ahi, d) < baseByte(blo, bhi, d) ? -1 : 1;
      }
    }
    let ia = ka === SPARSE ? m[a * META + 2]! : 0;
    const na = ka === SPARSE ? ia + exCount(ta) : 0;
    let ib = kb === SPARSE ? m[b * META + 2]! : 0;
    const nb = kb === SPARSE ? ib + exCount(tb) : 0;
    const off = this.exOff;
    const val = this.exVal;
    const dm = diffMask(xlo, xhi);
    let p = 0;
    for (;;) {
      let q = PAGE_SIZE;
      if (dm !== 0) {
        const j = p & 7;
        const m = dm >>> j;
        q = m !== 0 ? p + ctz(m) : p - j + 8 + ctz(dm);
      }
      const ea = ia < na ? off[ia]! : PAGE_SIZE;
      const eb = ib < nb ? off[ib]! : PAGE_SIZE;
      if (ea < q) q = ea;
      if (eb < q) q = eb;
      if (q >= PAGE_SIZE) {
        this.lastCompareOffset = PAGE_SIZE;
        return 0;
      }
      const va = ea === q ? val[ia++]! : baseByte(alo, ahi, q & 7);
      const vb = eb === q ? val[ib++]! : baseByte(blo, bhi, q & 7);
      if (va !== vb) {
        this.lastCompareOffset = q;
        return va < vb ? -1 : 1;
      }
      p = q + 1;
    }
  }

  /**
   * The memcmp-ordered key of a content: its first 8 bytes byte-swapped into two unsigned
   * halves [hi, lo], written into `out`, so that comparing (hi, lo) as numbers compares
   * those bytes as memcmp would. Returns {@link KEY_EXACT} for a plain content (its key is
   * its whole page: equal keys, equal pages), {@link KEY_PREFIX} for one whose exceptions
   * all lie past byte 7 (different keys order the pages; equal keys decide nothing), and
   * {@link NO_KEY} (writing nothing) for any other.
   */
  key(id: ContentId, out: Uint32Array): number {
    const u = id >= UNIQUE_BASE;
    const t = u ? PLAIN_TAG : this.meta[id * META + 3]!;
    const kind = t & KIND;
    const k = kind === PLAIN ? KEY_EXACT : kind === SPARSE && t >>> 16 >= 8 ? KEY_PREFIX : NO_KEY;
    if (k === NO_KEY) return k;
    if (u) this.uniqueWord(id - UNIQUE_BASE);
    const lo = u ? this.w[0]! : this.meta[id * META]!;
    const hi = u ? this.w[1]! : this.meta[id * META + 1]!;
    out[0] = bswap32(lo);
    out[1] = bswap32(hi);
    return k;
  }

  /** Offset of the first differing byte found by the last {@link compare} (PAGE_SIZE if equal). */
  lastCompareOffset = 0;

  /**
   * The word of unique content `k` (pattern seed 2^60 + k: lo = k, hi = 2^28) into `w`;
   * the last one is kept, as a page's content is keyed twice per visit (stable tree, then
   * unstable tree).
   */
  private uniqueWord(k: number): void {
    if (k !== this.lastUnique) {
      splitmix64Halves(k, 0x1000_0000, this.lastUniqueWord);
      this.lastUnique = k;
    }
    this.w[0] = this.lastUniqueWord[0]!;
    this.w[1] = this.lastUniqueWord[1]!;
  }

  /** The page of the little-endian word (lo, hi) repeated, written into `out`. */
  private fillWord(out: Uint8Array, lo: number, hi: number): void {
    if (LITTLE_ENDIAN && out.byteOffset % 4 === 0) {
      // the first 128 bytes through a 32-bit view (kept for the next call), then doubled natively
      if (out !== this.fillOut) {
        this.fillOut = out;
        this.fillView = new Uint32Array(out.buffer, out.byteOffset, 32);
      }
      const v = this.fillView!;
      for (let i = 0; i < 32; i += 2) {
        v[i] = lo;
        v[i + 1] = hi;
      }
      for (let n = 128; n < PAGE_SIZE; n *= 2) out.copyWithin(n, 0, n);
      return;
    }
    for (let j = 0; j < 8; j++) out[j] = baseByte(lo, hi, j);
    for (let n = 8; n < PAGE_SIZE; n *= 2) out.copyWithin(n, 0, n);
  }

  /** compare() when either content keeps its bytes: `Buffer.compare`, then a bisection for the offset. */
  private compareBytes(a: ContentId, b: ContentId): number {
    const pa = this.dense.get(a) ?? (this.bytes(a, this.cmpA) as Buffer);
    const pb = this.dense.get(b) ?? (this.bytes(b, this.cmpB) as Buffer);
    const sign = pa.compare(pb);
    if (sign === 0) {
      this.lastCompareOffset = PAGE_SIZE;
      return 0;
    }
    // [0, lo) equal, the first difference in [lo, hi)
    let lo = 0;
    let hi = PAGE_SIZE;
    while (hi - lo > 1) {
      const mid = (lo + hi) >>> 1;
      if (pa.compare(pb, lo, mid, lo, mid) === 0) lo = mid;
      else hi = mid;
    }
    this.lastCompareOffset = lo;
    return sign;
  }

  /** The handle of the plain word (lo, hi), or EMPTY (and `freeSlot` where it would go). */
  private findPlain(lo: number, hi: number): ContentId {
    const m = this.meta;
    for (let id = this.firstCandidate(mix(mix(PLAIN, lo), hi)); id !== EMPTY; id = this.nextCandidate())
      if (m[id * META] === lo && m[id * META + 1] === hi && (m[id * META + 3]! & KIND) === PLAIN) return id;
    return EMPTY;
  }

  /** The first content in the intern table's probe sequence of hash `h` (see {@link nextCandidate}). */
  private firstCandidate(h: number): ContentId {
    this.cursor = h & (this.table.length - 1);
    return this.nextCandidate();
  }

  /** The next content of the probe sequence, or EMPTY at its end, leaving `freeSlot` there. */
  private nextCandidate(): ContentId {
    const id = this.table[this.cursor]!;
    if (id === EMPTY) this.freeSlot = this.cursor;
    else this.cursor = (this.cursor + 1) & (this.table.length - 1);
    return id;
  }

  private internPlain(lo: number, hi: number): ContentId {
    const found = this.findPlain(lo, hi);
    return found !== EMPTY ? found : this.add(lo, hi, PLAIN_TAG, mix(mix(PLAIN, lo), hi));
  }

  /** Interns (lo, hi) with the `n` exceptions in offScratch/valScratch (offsets ascending). */
  private internSparse(lo: number, hi: number, n: number): ContentId {
    const offs = this.offScratch;
    const vals = this.valScratch;
    let h = mix(mix(SPARSE, lo), hi);
    for (let i = 0; i < n; i++) h = mix(h, (offs[i]! << 8) | vals[i]!);
    const m = this.meta;
    for (let id = this.firstCandidate(h); id !== EMPTY; id = this.nextCandidate()) {
      if (this.hash[id] !== h || m[id * META + 3] !== tag(SPARSE, n, offs[0]!)) continue;
      if (m[id * META] !== lo || m[id * META + 1] !== hi) continue;
      const start = m[id * META + 2]!;
      let i = 0;
      while (i < n && this.exOff[start + i] === offs[i] && this.exVal[start + i] === vals[i]) i++;
      if (i === n) return id;
    }
    if (this.exUsed + n > this.exOff.length) {
      const size = Math.max(this.exOff.length * 2, this.exUsed + n);
      this.exOff = grown(this.exOff, size);
      this.exVal = grown(this.exVal, size);
    }
    const id = this.add(lo, hi, tag(SPARSE, n, offs[0]!), h);
    this.meta[id * META + 2] = this.exUsed;
    this.exOff.set(offs.subarray(0, n), this.exUsed);
    this.exVal.set(vals.subarray(0, n), this.exUsed);
    this.exUsed += n;
    return id;
  }

  /** Interns a page of more than {@link SPARSE_MAX} exceptions off (lo, hi), keeping its bytes. */
  private internDense(lo: number, hi: number, bytes: Uint8Array): ContentId {
    let h = DENSE;
    for (let i = 0; i < PAGE_SIZE; i += 4)
      h = mix(h, bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24));
    for (let id = this.firstCandidate(h); id !== EMPTY; id = this.nextCandidate())
      if (
        (this.meta[id * META + 3]! & KIND) === DENSE &&
        this.hash[id] === h &&
        this.dense.get(id)!.equals(bytes)
      )
        return id;
    const id = this.add(lo, hi, tag(DENSE, 0, 0), h);
    const copy = Buffer.alloc(PAGE_SIZE);
    copy.set(bytes);
    this.dense.set(id, copy);
    return id;
  }

  /** A new interned content in the table's `freeSlot` (found by the lookup just before), with its {@link tag}. */
  private add(lo: number, hi: number, t: number, h: number): ContentId {
    if (this.count === this.hash.length) {
      const size = this.count * 2;
      this.meta = grown(this.meta, size * META);
      this.hash = grown(this.hash, size);
    }
    const id = this.count++;
    if (id >= UNIQUE_BASE) throw new RangeError("too many distinct page contents");
    const m = this.meta;
    m[id * META] = lo;
    m[id * META + 1] = hi;
    m[id * META + 3] = t;
    this.hash[id] = h;
    this.table[this.freeSlot] = id;
    if (this.count * 2 > this.table.length) this.rehash();
    return id;
  }

  private rehash(): void {
    const t = new Int32Array(this.table.length * 2).fill(EMPTY);
    const mask = t.length - 1;
    for (let id = 0; id < this.count; id++) {
      let s = this.hash[id]! & mask;
      while (t[s] !== EMPTY) s = (s + 1) & mask;
      t[s] = id;
    }
    this.table = t;
  }
}

/** Byte `j` (0..7) of the little-endian word (lo, hi). */
function baseByte(lo: number, hi: number, j: number): number {
  return j < 4 ? (lo >>> (j * 8)) & 0xff : (hi >>> ((j - 4) * 8)) & 0xff;
}

/** The byte positions (bits 0..7) where two words differ, from their XOR halves. */
function diffMask(xlo: number, xhi: number): number {
  let m = 0;
  for (let j = 0; j < 4; j++) {
    if ((xlo >>> (j * 8)) & 0xff) m |= 1 << j;
    if ((xhi >>> (j * 8)) & 0xff) m |= 16 << j;
  }
  return m;
}

/** Trailing zero bits of a non-zero 32-bit number. */
function ctz(x: number): number {
  return 31 - Math.clz32(x & -x);
}

/** One step of the intern table's hash. */
function mix(h: number, x: number): number {
  const m = Math.imul(h ^ x, 0x5bd1_e995);
  return (m ^ (m >>> 15)) >>> 0;
}

function insertionSort(a: Uint16Array, n: number): void {
  for (let i = 1; i < n; i++) {
    const v = a[i]!;
    let j = i - 1;
    while (j >= 0 && a[j]! > v) {
      a[j + 1] = a[j]!;
      j--;
    }
    a[j + 1] = v;
  }
}

function bswap32(x: number): number {
  return (((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)) >>> 0;
}
