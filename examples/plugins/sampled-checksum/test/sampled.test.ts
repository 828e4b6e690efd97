import { checkPlugin, resolveParams } from "@ksm/contracts";
import { describe, expect, it } from "vitest";
import plugin, { sampledChecksum } from "../src/index.js";

describe("the sampled checksum", () => {
  it("sees a write to a sampled byte and is blind to one between samples", () => {
    const c = sampledChecksum(64);
    const page = new Uint8Array(4096).fill(7);
    const before = c.checksum(page);
    page[4096 / 16 + 8] = 8; // between the second and third of the 16 sampled 4-byte words
    expect(c.checksum(page)).toBe(before);
    page[4096 / 16] = 8; // the second sampled word
    expect(c.checksum(page)).not.toBe(before);
  });

  it("reads more of the page with more bytes, and depends on the seed", () => {
    const page = new Uint8Array(4096);
    page[8] = 1;
    expect(sampledChecksum(64).checksum(page)).toBe(sampledChecksum(64).checksum(new Uint8Array(4096)));
    expect(sampledChecksum(4096).checksum(page)).not.toBe(
      sampledChecksum(4096).checksum(new Uint8Array(4096)),
    );
    expect(sampledChecksum(64, 1).checksum(page)).not.toBe(sampledChecksum(64, 2).checksum(page));
  });

  it("refuses a byte count that is not a multiple of 4", () => {
    expect(() => sampledChecksum(6)).toThrow(RangeError);
  });

  it("is a plugin whose parameters default to 64 bytes, seed 0", async () => {
    expect(checkPlugin(plugin)).toBe(plugin);
    const factory = plugin.policies.checksum![0]!;
    const values = resolveParams("checksum=sampled", factory.params);
    expect(values).toEqual({ bytes: 64, seed: 0 });
    const page = new Uint8Array(4096).fill(3);
    expect((await factory.create(values)).checksum(page)).toBe(sampledChecksum(64, 0).checksum(page));
  });
});
