import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createJhash2Checksum, jhash2, KSM_JHASH2_INITVAL } from "../src/index.js";

const rot = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;
const add = (x: number, y: number) => (x + y) >>> 0;
const sub = (x: number, y: number) => (x - y) >>> 0;

type State = [number, number, number];

/** lookup3's mix(), written out from its definition. */
function mix([a, b, c]: State): State {
  a = sub(a, c);
  a = (a ^ rot(c, 4)) >>> 0;
  c = add(c, b);
  b = sub(b, a);
  b = (b ^ rot(a, 6)) >>> 0;
  a = add(a, c);
  c = sub(c, b);
  c = (c ^ rot(b, 8)) >>> 0;
  b = add(b, a);
  a = sub(a, c);
  a = (a ^ rot(c, 16)) >>> 0;
  c = add(c, b);
  b = sub(b, a);
  b = (b ^ rot(a, 19)) >>> 0;
  a = add(a, c);
  c = sub(c, b);
  c = (c ^ rot(b, 4)) >>> 0;
  b = add(b, a);
  return [a, b, c];
}

/** lookup3's final(). */
function final([a, b, c]: State): State {
  c = sub((c ^ b) >>> 0, rot(b, 14));
  a = sub((a ^ c) >>> 0, rot(c, 11));
  b = sub((b ^ a) >>> 0, rot(a, 25));
  c = sub((c ^ b) >>> 0, rot(b, 16));
  a = sub((a ^ c) >>> 0, rot(c, 4));
  b = sub((b ^ a) >>> 0, rot(a, 14));
  c = sub((c ^ b) >>> 0, rot(b, 24));
  return [a, b, c];
}

/** lookup3 `hashword(k, length, initval)`: a plain reference, unsigned arithmetic throughout. */
function hashword(k: readonly number[], initval: number): number {
  let s: State = [0, 0, 0].map(() => add(add(0xdeadbeef, (k.length * 4) >>> 0), initval)) as State;
  let i = 0;
  let n = k.length;
  while (n > 3) {
    s = mix([add(s[0], k[i]!), add(s[1], k[i + 1]!), add(s[2], k[i + 2]!)]);
    n -= 3;
    i += 3;
  }
  if (n === 0) return s[2];
  const tail = [k[i] ?? 0, n >= 2 ? k[i + 1]! : 0, n === 3 ? k[i + 2]! : 0];
  return final([add(s[0], tail[0]!), add(s[1], tail[1]!), add(s[2], tail[2]!)])[2];
}

/** lookup3 `hashlittle(key, length, initval)`, byte by byte (its portable path; also the kernel's `jhash()`). */
function hashlittle(key: Uint8Array, initval: number): number {
  let s: State = [0, 0, 0].map(() => add(add(0xdeadbeef, key.length), initval)) as State;
  const word = (o: number, len: number) => {
    let w = 0;
    for (let j = 0; j < 4 && o + j < len; j++) w = (w + key[o + j]! * 2 ** (8 * j)) >>> 0;
    return w;
  };
  let o = 0;
  let n = key.length;
  while (n > 12) {
    s = mix([
      add(s[0], word(o, key.length)),
      add(s[1], word(o + 4, key.length)),
      add(s[2], word(o + 8, key.length)),
    ]);
    n -= 12;
    o += 12;
  }
  if (n === 0) return s[2];
  const end = o + n;
  return final([add(s[0], word(o, end)), add(s[1], word(o + 4, end)), add(s[2], word(o + 8, end))])[2];
}

const ascii = (s: string) => new TextEncoder().encode(s);
const words = (page: Uint8Array) => {
  const v = new DataView(page.buffer, page.byteOffset, page.length);
  return Array.from({ length: page.length / 4 }, (_, i) => v.getUint32(i * 4, true));
};

describe("jhash2 checksum", () => {
  it("the byte-wise reference gives lookup3.c's published driver5() vectors", () => {
    // lookup3.c driver5(): hashlittle("Four score and seven years ago", 30, 0) = 0x17770551,
    // with initval 1 = 0xcd628161; hashlittle2("", 0, c = 0xdeadbeef, b = 0) leaves c = 0xbd5b7dde.
    expect(hashlittle(ascii("Four score and seven years ago"), 0)).toBe(0x17770551);
    expect(hashlittle(ascii("Four score and seven years ago"), 1)).toBe(0xcd628161);
    expect(hashlittle(ascii(""), 0)).toBe(0xdeadbeef);
    expect(hashlittle(ascii(""), 0xdeadbeef)).toBe(0xbd5b7dde);
  });

  it("hashword of no words is lookup3's initial state, as driver5() prints for the empty key", () => {
    expect(jhash2([], 0, 0)).toBe(0xdeadbeef);
    expect(jhash2([], 0, 0xdeadbeef)).toBe(0xbd5b7dde);
  });

  it("agrees with hashlittle on 4-byte-aligned little-endian input of any word count", () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat({ max: 0xffff_ffff }), { maxLength: 40 }),
        fc.nat({ max: 0xffff_ffff }),
        (k, iv) => {
          const bytes = new Uint8Array(new Uint32Array(k).buffer);
          expect(jhash2(k, k.length, iv)).toBe(hashlittle(bytes, iv));
          expect(jhash2(k, k.length, iv)).toBe(hashword(k, iv));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("the KSM checksum is jhash2(page as 1024 words, 1024, 17)", () => {
    const policy = createJhash2Checksum();
    expect(policy.name).toBe("jhash2");
    expect(KSM_JHASH2_INITVAL).toBe(17);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 4096, maxLength: 4096 }), (page) => {
        const want = hashword(words(page), 17);
        expect(policy.checksum(page)).toBe(want);
        expect(hashlittle(page, 17)).toBe(want);
      }),
      { numRuns: 20 },
    );
  });

  it("reads unaligned pages as little-endian words too", () => {
    const policy = createJhash2Checksum();
    const buf = new Uint8Array(4097);
    for (let i = 0; i < buf.length; i++) buf[i] = (i * 31 + 7) & 0xff;
    const page = buf.subarray(1);
    expect(policy.checksum(page)).toBe(hashword(words(page.slice()), 17));
    expect(policy.checksum(new Uint8Array(4096))).toBe(hashword(new Array(1024).fill(0), 17));
  });
});
