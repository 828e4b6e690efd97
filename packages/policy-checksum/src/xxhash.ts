import type { ChecksumPolicy } from "@ksm/contracts";
import xxhashWasm from "xxhash-wasm";
import { CHECKSUM_COSTS } from "./cost.js";
import { createXxh64Words } from "./xxh64-words.js";

/**
 * The Linux 5.0+ page checksum: the low 32 bits of XXH64(page, seed 0), as `calc_checksum`
 * computes with `xxhash()` on 64-bit kernels; a page given by its words also without its
 * bytes. Async because the WebAssembly modules load.
 */
export async function createXxhashChecksum(): Promise<ChecksumPolicy> {
  const [{ h64Raw }, checksumWords] = await Promise.all([xxhashWasm(), createXxh64Words()]);
  return {
    name: "xxhash",
    cost: CHECKSUM_COSTS.xxhash,
    checksum: (page) => Number(h64Raw(page, 0n) & 0xffff_ffffn),
    checksumWords,
  };
}
