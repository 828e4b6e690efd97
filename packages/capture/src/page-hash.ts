import xxhashWasm from "xxhash-wasm";

/** Writes the 128-bit hash of a page as four 32-bit words at `out[at…at+3]`. */
export type PageHasher = (page: Uint8Array, out: Uint32Array, at: number) => void;

/**
 * The page hash of `--contents hash`: XXH64 of the page with seed 0, then with seed 1, as
 * four little-endian 32-bit words (low word of the first first). Async: the WebAssembly
 * module loads. Equal pages always hash equal; two different pages hash equal with
 * probability about 2^-128.
 */
export async function createPageHasher(): Promise<PageHasher> {
  const { h64Raw } = await xxhashWasm();
  return (page, out, at) => {
    const a = h64Raw(page, 0n);
    const b = h64Raw(page, 1n);
    out[at] = Number(a & 0xffff_ffffn);
    out[at + 1] = Number(a >> 32n);
    out[at + 2] = Number(b & 0xffff_ffffn);
    out[at + 3] = Number(b >> 32n);
  };
}

/**
 * An open-addressing map from 128-bit hashes (four words) to positive integers, on typed
 * arrays: 20 bytes a slot, at most half full. Used to give each distinct page one id.
 */
export class HashIds {
  private keys = new Uint32Array(4 * 1024);
  private values = new Uint32Array(1024);
  private size = 0;

  /** Distinct hashes held. */
  get count(): number {
    return this.size;
  }

  /** The id of the hash at `h[at…at+3]`, or 0 when absent. */
  get(h: Uint32Array, at: number): number {
    const mask = this.values.length - 1;
    for (let s = h[at]! & mask; ; s = (s + 1) & mask) {
      const v = this.values[s]!;
      if (v === 0) return 0;
      const k = s * 4;
      const ks = this.keys;
      if (ks[k] === h[at] && ks[k + 1] === h[at + 1] && ks[k + 2] === h[at + 2] && ks[k + 3] === h[at + 3])
        return v;
    }
  }

  /** Records `id` (> 0) for a hash not held yet. */
  set(h: Uint32Array, at: number, id: number): void {
    if ((this.size + 1) * 2 > this.values.length) this.grow();
    this.place(h, at, id);
    this.size++;
  }

  private place(h: Uint32Array, at: number, id: number): void {
    const mask = this.values.length - 1;
    let s = h[at]! & mask;
    while (this.values[s] !== 0) s = (s + 1) & mask;
    this.values[s] = id;
    this.keys.set(h.subarray(at, at + 4), s * 4);
  }

  private grow(): void {
    const keys = this.keys;
    const values = this.values;
    this.keys = new Uint32Array(keys.length * 2);
    this.values = new Uint32Array(values.length * 2);
    for (let s = 0; s < values.length; s++) if (values[s] !== 0) this.place(keys, s * 4, values[s]!);
  }
}
