/**
 * XXH64 (seed 0) of a 4096-byte page given by its 8-byte words: one little-endian word
 * repeated, but at a few slots (a pattern page, a unique page, a near-duplicate). Every
 * 32-byte stripe feeds one word to each of the four lanes, so the page itself is never
 * needed: the stripes of the repeated word take it from a local, the few others from a
 * record each. A WebAssembly function, assembled below from its instructions (JavaScript
 * has no 64-bit integer multiply short of BigInt), that beats building the page and hashing
 * it with `xxhash-wasm` (the package README has the figures) and equals that for every page
 * (the tests check both against XXH64 from its specification).
 */

/** The part of the WebAssembly global used here (Node's types for 20 declare none without the DOM's). */
declare const WebAssembly: {
  instantiate(bytes: Uint8Array): Promise<{ instance: { exports: Record<string, unknown> } }>;
};

const P1 = 0x9e3779b185ebca87n;
const P2 = 0xc2b2ae3d27d4eb4fn;
const P3 = 0x165667b19e3779f9n;
const P4 = 0x85ebca77c2b2ae63n;
/** Stripes of 32 bytes in a page. */
const STRIPES = 4096 / 32;
/**
 * A stripe with a word other than the repeated one, in the module's memory: its index (u32),
 * a pad, then the four lanes' words (u64 each, as (lo, hi) u32 pairs); one per such stripe.
 */
const RECORD_BYTES = 40;
const RECORD_WORDS = RECORD_BYTES / 4;

// WebAssembly opcodes and types used below
const BLOCK = 0x02;
const LOOP = 0x03;
const BR = 0x0c;
const BR_IF = 0x0d;
const END = 0x0b;
const LOCAL_GET = 0x20;
const LOCAL_SET = 0x21;
const I32_LOAD = 0x28;
const I64_LOAD = 0x29;
const I32_CONST = 0x41;
const I64_CONST = 0x42;
const I32_EQZ = 0x45;
const I32_ADD = 0x6a;
const I32_SUB = 0x6b;
const I64_ADD = 0x7c;
const I64_MUL = 0x7e;
const I64_OR = 0x84;
const I64_XOR = 0x85;
const I64_SHL = 0x86;
const I64_SHR_U = 0x88;
const I64_ROTL = 0x89;
const I32_WRAP_I64 = 0xa7;
const I64_EXTEND_I32_U = 0xad;
const VOID = 0x40;
const I32 = 0x7f;
const I64 = 0x7e;

/** Unsigned LEB128 of a small integer. */
function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    const b = n & 0x7f;
    n >>>= 7;
    out.push(n ? b | 0x80 : b);
  } while (n);
  return out;
}

/** `i64.const v` (v taken modulo 2^64, encoded as signed LEB128). */
function i64(v: bigint): number[] {
  let x = BigInt.asIntN(64, v);
  const out = [I64_CONST];
  for (;;) {
    const b = Number(x & 0x7fn);
    x >>= 7n;
    if ((x === 0n && !(b & 0x40)) || (x === -1n && b & 0x40)) return [...out, b];
    out.push(b | 0x80);
  }
}

// locals: the parameters lo (0), hi (1) and the records' count (2); the repeated word times
// P2, the four lanes and the hash (i64); the stripe reached, the record's address, the
// record's stripe and a loop count (i32)
const N = 2;
const C = 3;
const LANES = [4, 5, 6, 7];
const H = 8;
const S = 9;
const P = 10;
const T = 11;
const K = 12;

// biome-ignore format: instruction sequences, laid out as lines of assembly
/** A lane's XXH64 round with the repeated word: `v = rotl(v + word·P2, 31)·P1`. */
const round = (v: number) => [LOCAL_GET, v, LOCAL_GET, C, I64_ADD, ...i64(31n), I64_ROTL, ...i64(P1), I64_MUL, LOCAL_SET, v];
// biome-ignore format: instruction sequences, laid out as lines of assembly
/** Lane `k`'s round with the record's word: `v = rotl(v + record.word[k]·P2, 31)·P1`. */
const recordRound = (k: number) => [
  LOCAL_GET, LANES[k]!, LOCAL_GET, P, I64_LOAD, 3, ...uleb(8 + 8 * k), ...i64(P2), I64_MUL, I64_ADD,
  ...i64(31n), I64_ROTL, ...i64(P1), I64_MUL, LOCAL_SET, LANES[k]!,
];
// biome-ignore format: instruction sequences, laid out as lines of assembly
/** As many stripes of the repeated word as `count` (instructions leaving an i32) says. */
const stripes = (count: number[]) => [
  ...count, LOCAL_SET, K,
  BLOCK, VOID, LOOP, VOID,
  LOCAL_GET, K, I32_EQZ, BR_IF, 1,
  ...LANES.flatMap(round),
  LOCAL_GET, K, I32_CONST, 1, I32_SUB, LOCAL_SET, K, BR, 0,
  END, END,
];
// biome-ignore format: instruction sequences, laid out as lines of assembly
/** `h = (h ^ rotl(v·P2, 31)·P1)·P1 + P4`, XXH64's merge of a lane into the hash. */
const merge = (v: number) => [
  LOCAL_GET, H, LOCAL_GET, v, ...i64(P2), I64_MUL, ...i64(31n), I64_ROTL, ...i64(P1), I64_MUL,
  I64_XOR, ...i64(P1), I64_MUL, ...i64(P4), I64_ADD, LOCAL_SET, H,
];
// biome-ignore format: instruction sequences, laid out as lines of assembly
/** `h = (h ^ h >>> s)·p`, a step of XXH64's avalanche. */
const avalanche = (s: bigint, p: bigint) => [LOCAL_GET, H, LOCAL_GET, H, ...i64(s), I64_SHR_U, I64_XOR, ...i64(p), I64_MUL, LOCAL_SET, H];

// biome-ignore format: instruction sequences, laid out as lines of assembly
const BODY = [
  // locals after the parameters: 6 i64 (C, lanes, H), 4 i32 (S, P, T, K); all start at 0
  2, 6, I64, 4, I32,
  // C = (hi << 32 | lo) · P2
  LOCAL_GET, 0, I64_EXTEND_I32_U, LOCAL_GET, 1, I64_EXTEND_I32_U, ...i64(32n), I64_SHL, I64_OR,
  ...i64(P2), I64_MUL, LOCAL_SET, C,
  // the lanes' seeds (seed 0): P1 + P2, P2, 0 (where a local starts), -P1
  ...i64(P1 + P2), LOCAL_SET, LANES[0]!, ...i64(P2), LOCAL_SET, LANES[1]!, ...i64(-P1), LOCAL_SET, LANES[3]!,
  // each record: the repeated word's stripes up to its stripe, then its stripe
  BLOCK, VOID, LOOP, VOID,
  LOCAL_GET, N, I32_EQZ, BR_IF, 1,
  LOCAL_GET, P, I32_LOAD, 2, 0, LOCAL_SET, T,
  ...stripes([LOCAL_GET, T, LOCAL_GET, S, I32_SUB]),
  ...[0, 1, 2, 3].flatMap(recordRound),
  LOCAL_GET, T, I32_CONST, 1, I32_ADD, LOCAL_SET, S,
  LOCAL_GET, P, I32_CONST, ...uleb(RECORD_BYTES), I32_ADD, LOCAL_SET, P,
  LOCAL_GET, N, I32_CONST, 1, I32_SUB, LOCAL_SET, N, BR, 0,
  END, END,
  // the repeated word's stripes after the last record
  ...stripes([I32_CONST, ...uleb(STRIPES), LOCAL_GET, S, I32_SUB]),
  // h = rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18), each lane merged in, + length
  ...[1n, 7n, 12n, 18n].flatMap((r, k) => [LOCAL_GET, LANES[k]!, ...i64(r), I64_ROTL, ...(k ? [I64_ADD] : [])]),
  LOCAL_SET, H, ...LANES.flatMap(merge),
  LOCAL_GET, H, ...i64(4096n), I64_ADD, LOCAL_SET, H,
  // no tail (4096 is a whole number of stripes); the avalanche, the low 32 bits
  ...avalanche(33n, P2), ...avalanche(29n, P3),
  LOCAL_GET, H, LOCAL_GET, H, ...i64(32n), I64_SHR_U, I64_XOR, I32_WRAP_I64, END,
];

const section = (id: number, bytes: number[]) => [id, ...uleb(bytes.length), ...bytes];
const name = (s: string) => [s.length, ...new TextEncoder().encode(s)];

/** The module: `xxh64(lo: i32, hi: i32, records: i32): i32` and the memory holding the records, exported. */
const MODULE = new Uint8Array([
  ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], // "\0asm", version 1
  ...section(1, [1, 0x60, 3, I32, I32, I32, 1, I32]), // type: (i32, i32, i32) -> i32
  ...section(3, [1, 0]), // one function of that type
  ...section(5, [1, 0x00, 1]), // one memory of one 64 KiB page
  ...section(7, [2, ...name("xxh64"), 0x00, 0, ...name("memory"), 0x02, 0]), // both exported
  ...section(10, [1, ...uleb(BODY.length), ...BODY]),
]);

/**
 * Loads the function: `(lo, hi, patches, count)` → the low 32 bits of XXH64(seed 0), as an
 * unsigned number, of the page whose 512 words are `hi`·2^32 + `lo` but at the `count`
 * slots `patches` lists as triples (slot 0–511 in increasing order, then that slot's word's
 * low and high halves).
 */
export async function createXxh64Words(): Promise<
  (lo: number, hi: number, patches: Uint32Array, count: number) => number
> {
  const { instance } = await WebAssembly.instantiate(MODULE);
  const xxh64 = instance.exports.xxh64 as (lo: number, hi: number, records: number) => number;
  const memory = instance.exports.memory as { buffer: ArrayBuffer };
  const records = new Uint32Array(memory.buffer, 0, STRIPES * RECORD_WORDS);
  return (lo, hi, patches, count) => {
    let n = 0;
    let stripe = -1;
    for (let i = 0; i < count; i++) {
      const slot = patches[3 * i]!;
      if (slot >>> 2 !== stripe) {
        // a new record: its stripe, the repeated word in every lane
        stripe = slot >>> 2;
        const r = n++ * RECORD_WORDS;
        records[r] = stripe;
        for (let w = r + 2; w < r + RECORD_WORDS; w += 2) {
          records[w] = lo;
          records[w + 1] = hi;
        }
      }
      const w = (n - 1) * RECORD_WORDS + 2 + 2 * (slot & 3);
      records[w] = patches[3 * i + 1]!;
      records[w + 1] = patches[3 * i + 2]!;
    }
    return xxh64(lo, hi, n) >>> 0;
  };
}
