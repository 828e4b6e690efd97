import { NO_PFN, type Pfn } from "./frames.js";

/** PTE bits. */
export const PTE_PRESENT = 1;
export const PTE_WRITE = 2;
export const PTE_DIRTY = 4;
export const PTE_YOUNG = 8;
/** A special mapping: the shared zero page. With PTE_DIRTY it is a KSM-placed zero page. */
export const PTE_SPECIAL = 16;
/** Not present, holds a swap entry (the pfn slot then holds the swap slot). */
export const PTE_SWAP = 32;

const LEAF_SHIFT = 9;
/**
 * PTEs in one page-table page (a leaf): 512, so a leaf maps the 2 MiB a PMD entry covers
 * (the same span as a THP). A walk that finds no leaf skips to the next multiple of it.
 */
export const PTRS_PER_PTE = 1 << LEAF_SHIFT;
const LEAF_SIZE = PTRS_PER_PTE;
const LEAF_MASK = LEAF_SIZE - 1;

/** The virtual page number every address space maps downwards from (its first mmap ends here). */
export const MMAP_BASE = 0x4000_0000;

/** One page-table page: 512 PTEs, each a frame number and a byte of bits. */
export interface PteLeaf {
  readonly pfn: Int32Array;
  readonly bits: Uint8Array;
  /** Number of non-empty PTEs in the leaf. */
  used: number;
}

/**
 * A two-level page table keyed by virtual page number: a map of leaves of 512 PTEs, like a
 * PMD pointing to PTE pages. A PTE is (pfn, bits); an empty PTE has bits 0.
 */
export class PageTable {
  /** Leaves just below `top` (where mmap starts) sit in a dense array; others in a map. */
  private readonly dense: (PteLeaf | undefined)[] = [];
  private readonly sparse = new Map<number, PteLeaf>();
  private lastKey = -1;
  private lastLeaf: PteLeaf | undefined;
  private count = 0;

  /** `top`: the virtual page number address spaces map downwards from. */
  constructor(private readonly top = MMAP_BASE) {}

  /** The leaf holding `vpn`, or undefined if no leaf exists (and `create` is false). */
  leaf(vpn: number, create: boolean): PteLeaf | undefined {
    const key = Math.floor(vpn / LEAF_SIZE);
    if (key === this.lastKey && this.lastLeaf) return this.lastLeaf;
    const i = (this.top >>> LEAF_SHIFT) - 1 - key;
    const inDense = i >= 0 && i < 1 << 20;
    let l = inDense ? this.dense[i] : this.sparse.get(key);
    if (!l && create) {
      l = { pfn: new Int32Array(LEAF_SIZE).fill(NO_PFN), bits: new Uint8Array(LEAF_SIZE), used: 0 };
      if (inDense) {
        while (this.dense.length < i) this.dense.push(undefined);
        this.dense[i] = l;
      } else this.sparse.set(key, l);
      this.count++;
    }
    if (l) {
      this.lastKey = key;
      this.lastLeaf = l;
    }
    return l;
  }

  /** PTE bits at `vpn` (0 when empty). */
  bits(vpn: number): number {
    const l = this.leaf(vpn, false);
    return l ? l.bits[vpn & LEAF_MASK]! : 0;
  }

  /** Frame (or swap slot) at `vpn`; NO_PFN when empty. */
  pfn(vpn: number): Pfn {
    const l = this.leaf(vpn, false);
    return l ? l.pfn[vpn & LEAF_MASK]! : NO_PFN;
  }

  /** Sets the PTE at `vpn`. */
  set(vpn: number, pfn: Pfn, bits: number): void {
    const l = this.leaf(vpn, true)!;
    const i = vpn & LEAF_MASK;
    if (l.bits[i] === 0 && bits !== 0) l.used++;
    else if (l.bits[i] !== 0 && bits === 0) l.used--;
    l.pfn[i] = bits === 0 ? NO_PFN : pfn;
    l.bits[i] = bits;
  }

  /**
   * Changes only the bits of a non-empty PTE (an empty one stays empty); bits 0 clears it,
   * so the leaf's count of entries in use stays right for {@link dropLeaf}.
   */
  setBits(vpn: number, bits: number): void {
    const l = this.leaf(vpn, false);
    const i = vpn & LEAF_MASK;
    if (!l || l.bits[i] === 0) return;
    if (bits === 0) this.clear(vpn);
    else l.bits[i] = bits;
  }

  /** Clears the PTE at `vpn`. */
  clear(vpn: number): void {
    this.set(vpn, NO_PFN, 0);
  }

  /**
   * Frees the leaf holding `vpn` (a `pmd_clear`): the 2 MiB there has no page table any
   * more, as after a whole THP was zapped or MADV_DONTNEED emptied a PTE page (PT_RECLAIM).
   * Its entries must all be empty.
   */
  dropLeaf(vpn: number): void {
    const key = Math.floor(vpn / LEAF_SIZE);
    const i = (this.top >>> LEAF_SHIFT) - 1 - key;
    const inDense = i >= 0 && i < 1 << 20;
    const l = inDense ? this.dense[i] : this.sparse.get(key);
    if (!l) return;
    if (l.used !== 0) throw new Error(`dropLeaf: leaf ${key} still maps ${l.used} pages`);
    if (inDense) this.dense[i] = undefined;
    else this.sparse.delete(key);
    if (this.lastKey === key) this.lastLeaf = undefined;
    this.count--;
  }

  /** Number of leaves (page-table pages) allocated. */
  get leafCount(): number {
    return this.count;
  }

  /** Slot of `vpn` inside its leaf. */
  static slot(vpn: number): number {
    return vpn & LEAF_MASK;
  }
}
