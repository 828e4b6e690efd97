import { type ContentId, ZERO_CONTENT } from "./content.js";
import { LargeMapcounts } from "./large-mapcount.js";
import { grown } from "./typed-store.js";

/** A page frame number: an integer handle into {@link FrameTable}. */
export type Pfn = number;
/** No frame. */
export const NO_PFN: Pfn = -1;
/** The shared zero page's frame. */
export const ZERO_PFN: Pfn = 0;

/** log2 of the frames of a transparent huge page (a 2 MiB folio of 4 KiB pages). */
export const THP_ORDER = 9;
/** Frames (and virtual pages) of a transparent huge page. */
export const THP_PAGES = 1 << THP_ORDER;

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
 * handle that the kernel keeps in `folio->mapping`. Frame 0 is the shared zero page. Free
 * frames are a stack linked through their `index` (a free frame has no page index), as the
 * kernel's free lists run through the pages themselves; the few swap-cache frames keep
 * their swap slot in a map.
 */
export class FrameTable {
  content = new Uint32Array(0);
  /**
   * References to each frame (`folio_ref_count`): 16 bits a frame while every count fits,
   * 32 for all from the first that would not ({@link map} widens it). Take a mapping's
   * reference through {@link map}; set it directly only to a count that fits in 16 bits.
   */
  refcount: Uint16Array | Int32Array = new Uint16Array(0);
  /** Mappings of each frame (`folio_mapcount`): as wide as {@link refcount}, which holds at least as many. */
  mapcount: Uint16Array | Int32Array = new Uint16Array(0);
  flags = new Uint8Array(0);
  /**
   * NUMA node of each frame; empty while every frame is on node 0 (the column comes with
   * the first frame on another node). Read it through {@link pageToNid}.
   */
  nid = new Uint8Array(0);
  /**
   * `folio->mapping` of an anonymous frame: its anon_vma id (-1 if none); of a KSM frame
   * (PG_KSM), its stable node handle instead (-1 for none yet, or no more), as the kernel
   * keeps one or the other in the one field. Read a KSM frame's node with {@link ksmNodeOf}.
   */
  anonVma = new Int32Array(0);
  /** Page index (virtual page number at fault time) of an anonymous frame. */
  index = new Int32Array(0);
  /**
   * Allocation order (a counter at allocation), for FIFO-like reclaim; empty when the table
   * keeps none ({@link keepsAllocationOrder}).
   */
  allocSeq = new Uint32Array(0);
  private seq = 0;
  /**
   * Live THP folios: `THP_PAGES` frames from a `THP_PAGES`-aligned pfn, keyed by that pfn
   * shifted by `THP_ORDER`; the value counts frames whose last reference went but which stay
   * allocated, as the kernel frees a large folio only as a whole.
   */
  private readonly thpHeld = new Map<number, number>();
  /** Each THP folio's mappings as a whole, and which MMs they belong to. */
  readonly largeMapcounts = new LargeMapcounts();
  /** The swap slot of each swap-cache frame (PG_SWAPCACHE). */
  private readonly swapSlots = new Map<Pfn, number>();
  /** Top of the free stack (linked through `index`), NO_PFN when empty. */
  private freeTop: Pfn = NO_PFN;
  private used = 0;
  private inUse = 0;

  /**
   * `capacity`: frames to make room for at once. `keepsAllocationOrder`: whether each frame
   * remembers when it was allocated ({@link allocSeq}), which only reclaim policies read
   * (4 bytes a frame).
   */
  constructor(
    capacity = 1024,
    readonly keepsAllocationOrder = true,
  ) {
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
    if (this.freeTop !== NO_PFN) {
      pfn = this.freeTop;
      this.freeTop = this.index[pfn]!;
    } else {
      if (this.used === this.content.length) this.grow(Math.ceil(this.used * 1.5));
      pfn = this.used++;
    }
    this.initFrame(pfn, content, nid);
    return pfn;
  }

  private initFrame(pfn: Pfn, content: ContentId, nid: number): void {
    this.inUse++;
    this.content[pfn] = content;
    this.refcount[pfn] = 1;
    this.mapcount[pfn] = 0;
    this.flags[pfn] = 0;
    if (nid !== 0 && this.nid.length === 0) this.nid = new Uint8Array(this.content.length);
    if (this.nid.length !== 0) this.nid[pfn] = nid;
    this.anonVma[pfn] = -1;
    this.index[pfn] = 0;
    if (this.keepsAllocationOrder) this.allocSeq[pfn] = this.seq++;
  }

  /**
   * Allocates a THP folio on node `nid`: `THP_PAGES` zero-filled frames from an aligned pfn,
   * each with refcount 1 and mapcount 0. Returns the first (head) frame.
   */
  allocThp(nid = 0): Pfn {
    const head = Math.ceil(this.used / THP_PAGES) * THP_PAGES;
    if (head + THP_PAGES > this.content.length) this.grow(Math.ceil((head + THP_PAGES) * 1.5));
    for (let pfn = this.used; pfn < head; pfn++) this.pushFree(pfn); // the alignment gap
    this.used = head + THP_PAGES;
    for (let pfn = head; pfn < head + THP_PAGES; pfn++) this.initFrame(pfn, ZERO_CONTENT, nid);
    this.thpHeld.set(head >>> THP_ORDER, 0);
    return head;
  }

  /** Whether the frame is part of a THP folio (not split yet). */
  isThp(pfn: Pfn): boolean {
    return this.thpHeld.size !== 0 && this.thpHeld.has(pfn >>> THP_ORDER);
  }

  /** Whether the frame lost its last reference but stays allocated with the rest of its THP. */
  isHeld(pfn: Pfn): boolean {
    return this.refcount[pfn] === 0 && this.isThp(pfn);
  }

  /** The head frame of the THP folio holding `pfn`. */
  thpHead(pfn: Pfn): Pfn {
    return pfn & ~(THP_PAGES - 1);
  }

  /** Splits the THP folio holding `pfn` into order-0 frames; frames held back are freed. */
  splitThp(pfn: Pfn): void {
    const block = pfn >>> THP_ORDER;
    if (!this.thpHeld.has(block)) return;
    this.thpHeld.delete(block);
    this.largeMapcounts.drop(block);
    for (let p = block << THP_ORDER, end = p + THP_PAGES; p < end; p++)
      if (this.refcount[p] === 0) this.release(p);
  }

  /**
   * One more mapping of `pfn`: a reference and a mapcount, as a page table entry mapping
   * the frame holds (`folio_get` with `folio_add_anon_rmap_pte`). Both columns widen to 32
   * bits when the count would no longer fit in 16.
   */
  map(pfn: Pfn): void {
    if (this.refcount[pfn]! >= 0xffff && this.refcount instanceof Uint16Array) {
      this.refcount = Int32Array.from(this.refcount);
      this.mapcount = Int32Array.from(this.mapcount);
    }
    this.refcount[pfn]!++;
    this.mapcount[pfn]!++;
  }

  /** Drops one reference; frees the frame when none is left. Returns whether it was freed. */
  put(pfn: Pfn): boolean {
    if (pfn === ZERO_PFN) return false;
    const r = --this.refcount[pfn]!;
    if (r > 0) return false;
    if (r < 0) throw new Error(`refcount underflow on pfn ${pfn}`);
    this.flags[pfn] = 0;
    this.anonVma[pfn] = -1;
    const block = pfn >>> THP_ORDER;
    const held = this.thpHeld.size === 0 ? undefined : this.thpHeld.get(block);
    if (held === undefined) this.release(pfn);
    else if (held + 1 < THP_PAGES) this.thpHeld.set(block, held + 1);
    else this.splitThp(pfn); // the folio's last reference: every frame goes
    return true;
  }

  private release(pfn: Pfn): void {
    if (this.swapSlots.size !== 0) this.swapSlots.delete(pfn);
    this.pushFree(pfn);
    this.inUse--;
  }

  private pushFree(pfn: Pfn): void {
    this.index[pfn] = this.freeTop;
    this.freeTop = pfn;
  }

  /** The swap slot the swap-cache frame `pfn` holds (-1 for none). */
  swapSlot(pfn: Pfn): number {
    return this.swapSlots.get(pfn) ?? -1;
  }

  /** Records the swap slot a frame entering the swap cache holds; -1: it leaves the cache. */
  setSwapSlot(pfn: Pfn, slot: number): void {
    if (slot === -1) this.swapSlots.delete(pfn);
    else this.swapSlots.set(pfn, slot);
  }

  /** Whether `pfn` is a free frame. */
  isFree(pfn: Pfn): boolean {
    return pfn !== ZERO_PFN && this.refcount[pfn] === 0;
  }

  /** The NUMA node of frame `pfn` (`page_to_nid`). */
  pageToNid(pfn: Pfn): number {
    return this.nid.length === 0 ? 0 : this.nid[pfn]!;
  }

  /** Whether the frame is a KSM page. */
  isKsm(pfn: Pfn): boolean {
    return (this.flags[pfn]! & PG_KSM) !== 0;
  }

  /**
   * The stable node handles of KSM frames: the {@link anonVma} column itself (the one
   * `folio->mapping`), so only a KSM frame's entry is a stable node; write it only for a
   * frame that has PG_KSM, read it through {@link ksmNodeOf} unless the frame is known KSM.
   */
  get ksmNode(): Int32Array {
    return this.anonVma;
  }

  /** The stable node of a KSM frame; -1 for any other frame, or a KSM frame without one. */
  ksmNodeOf(pfn: Pfn): number {
    return (this.flags[pfn]! & PG_KSM) !== 0 ? this.anonVma[pfn]! : -1;
  }

  private grow(n: number): void {
    this.content = grown(this.content, n);
    this.refcount = grown(this.refcount, n);
    this.mapcount = grown(this.mapcount, n);
    this.flags = grown(this.flags, n);
    if (this.nid.length !== 0) this.nid = grown(this.nid, n);
    this.anonVma = grown(this.anonVma, n);
    this.index = grown(this.index, n);
    if (this.keepsAllocationOrder) this.allocSeq = grown(this.allocSeq, n);
  }
}
