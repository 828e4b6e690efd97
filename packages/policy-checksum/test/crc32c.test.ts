import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { crc32c, createCrc32cChecksum, createNoChecksum } from "../src/index.js";

/** Bit-at-a-time CRC-32C, straight from the definition. */
function reference(data: Uint8Array): number {
  let c = 0xffff_ffff;
  for (const byte of data) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return (c ^ 0xffff_ffff) >>> 0;
}

describe("crc32c checksum", () => {
  it("gives the Castagnoli check value crc32c('123456789') = 0xE3069283", () => {
    expect(crc32c(new TextEncoder().encode("123456789"))).toBe(0xe3069283);
  });

  it("gives the RFC 3720 (iSCSI) B.4 vectors", () => {
    const ascending = Uint8Array.from({ length: 32 }, (_, i) => i);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(ascending)).toBe(0x46dd794e);
    expect(crc32c(ascending.slice().reverse())).toBe(0x113fdb5c);
  });

  it("agrees with the bitwise definition at every length and on whole pages", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (data) => {
        expect(crc32c(data)).toBe(reference(data));
      }),
      { numRuns: 300 },
    );
    const policy = createCrc32cChecksum();
    expect(policy.name).toBe("crc32c");
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 4096, maxLength: 4096 }), (page) => {
        expect(policy.checksum(page)).toBe(reference(page));
      }),
      { numRuns: 10 },
    );
  });
});

describe("no checksum", () => {
  it("is constant and says so, so the core treats every page as stable", () => {
    const policy = createNoChecksum();
    expect(policy.name).toBe("none");
    expect(policy.constant).toBe(true);
    expect(policy.checksum(new Uint8Array(4096))).toBe(policy.checksum(new Uint8Array(4096).fill(1)));
  });
});
