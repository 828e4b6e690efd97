import { type ContentId, ZERO_CONTENT } from "./content.js";

/** A page frame number: an integer handle into {@link FrameTable}. */
export type Pfn = number;
/** No frame. */
export const NO_PFN: Pfn = -1;
/** The shared zero page's frame. */
export const ZERO_PFN: Pfn = 0;

/** Page flags, as the kernel's PG_* bits (only those the model needs). */
export const PG_ANON = 1;
/** A KSM page (the kernel marks it through `folio->mapping`). */
export const PG_KSM = 2;
export const PG_LOCKED = 4;
export const PG_SWAPBACKED = 8;
export const PG_DIRTY = 16;
/** PageAnonExclusive: only one process maps this anonymous page. */
export const PG_ANON_EXCLUSIVE = 32;
export const PG_SWAPCACHE = 64;
export const PG_RESERVED = 128;

/**
 * Physical memory as a struct of typed arrays indexed by pfn: content, refcount, mapcount,
 * flags, NUMA node, the owning anon_vma and page index (for rmap), and the KSM stable node
 * handle that the kernel keeps in `folio->mapping`. Frame 0 is the shared zero page.
 */
export class FrameTable {
  content = new Uint32Array(0);
  refcount = new Int32Array(0);
  mapcount = new Int32Array(0);
  flags = new Uint8Array(0);
  nid = new Uint8Array(0);
  /** anon_vma id of an anonymous frame (-1 if none). */
  anonVma = new Int32Array(0);
  /** Page index (virtual page number at fault time) of an anonymous frame. */
  index = new Int32Array(0);
  /** KSM stable node handle (`folio->mapping` of a KSM folio); -1 for none. */
  ksmNode = new Int32Array(0);
  /** The swap slot a swap-cache frame holds (PG_SWAPCACHE). */
  swapSlot = new Int32Array(0);
  /** Allocation order (a counter at allocation), for FIFO-like reclaim. */
  allocSeq = new Uint32Array(0);
  private seq = 0;
  private free = new Int32Array(0);
  private freeCount = 0;
  private used = 0;
  private inUse = 0;

  constructor(capacity = 1024) {
    this.grow(Math.max(2, capacity));
    this.used = 1;
    this.inUse = 1;
    this.content[ZERO_PFN] = ZERO_CONTENT;
    this.refcount[ZERO_PFN] = 1;
    this.flags[ZERO_PFN] = PG_RESERVED;
  }

  /** Frames currently allocated, the zero page included. */
  get allocated(): number {
    return this.inUse;
  }

  /** Highest pfn ever handed out plus one. */
  get size(): number {
    return this.used;
  }

  /** Allocates a frame on NUMA node `nid` holding `content`, refcount 1, mapcount 0. */
  alloc(content: ContentId, nid = 0): Pfn {
    let pfn: Pfn;
    if (this.freeCount > 0) pfn = this.free[--this.freeCount]!;
    else {
      if (this.used === this.content.length) this.grow(Math.ceil(this.used * 1.5));
      pfn = this.used++;
    }
    this.inUse++;
    this.content[pfn] = content;
    this.refcount[pfn] = 1;
    this.mapcount[pfn] = 0;
    this.flags[pfn] = 0;
    this.nid[pfn] = nid;
    this.anonVma[pfn] = -1;
    this.index[pfn] = 0;
    this.ksmNode[pfn] = -1;
    this.swapSlot[pfn] = -1;
    this.allocSeq[pfn] = this.seq++;
    return pfn;
  }

  /** Drops one reference; frees the frame when none is left. Returns whether it was freed. */
  put(pfn: Pfn): boolean {
    if (pfn === ZERO_PFN) return false;
    const r = --this.refcount[pfn]!;
    if (r > 0) return false;
    if (r < 0) throw new Error(`refcount underflow on pfn ${pfn}`);
    this.flags[pfn] = 0;
    this.ksmNode[pfn] = -1;
    this.anonVma[pfn] = -1;
    if (this.freeCount === this.free.length) {
      const f = new Int32Array(Math.max(64, this.free.length * 2));
      f.set(this.free);
      this.free = f;
    }
    this.free[this.freeCount++] = pfn;
    this.inUse--;
    return true;
  }

  /** Whether `pfn` is a free frame. */
  isFree(pfn: Pfn): boolean {
    return pfn !== ZERO_PFN && this.refcount[pfn] === 0;
  }

  /** Whether the frame is a KSM page. */
  isKsm(pfn: Pfn): boolean {
    return (this.flags[pfn]! & PG_KSM) !== 0;
  }

  private grow(n: number): void {
    const g = <T extends Uint32Array | Int32Array | Uint8Array | Float64Array>(
      a: T,
      ctor: new (n: number) => T,
    ) => {
      const b = new ctor(n);
      b.set(a);
      return b;
    };
    this.content = g(this.content, Uint32Array);
    this.refcount = g(this.refcount, Int32Array);
    this.mapcount = g(this.mapcount, Int32Array);
    this.flags = g(this.flags, Uint8Array);
    this.nid = g(this.nid, Uint8Array);
    this.anonVma = g(this.anonVma, Int32Array);
    this.index = g(this.index, Int32Array);
    this.ksmNode = g(this.ksmNode, Int32Array);
    this.swapSlot = g(this.swapSlot, Int32Array);
    this.allocSeq = g(this.allocSeq, Uint32Array);
  }
}
