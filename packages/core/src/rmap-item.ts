import { type ContentIndex, NIL } from "@ksm/contracts";
import { grown } from "@ksm/mm";
import { HandlePool } from "./soa.js";

/** rmap_item flag: listed from a stable node. */
export const STABLE_FLAG = 1;
/** rmap_item flag: a node of the unstable tree. */
export const UNSTABLE_FLAG = 2;

/**
 * Every `rmap_item` (one per scanned virtual page) as a struct of typed arrays indexed by
 * an integer handle. Items of one mm form a singly linked list sorted by address; items of
 * a stable node a doubly linked list; the unstable tree is a {@link ContentIndex} over item handles.
 */
export class RmapItems {
  /** Next item in the mm's address-sorted list. */
  next = new Int32Array(0);
  mm = new Int32Array(0);
  /** Virtual page number. */
  address = new Int32Array(0);
  flags = new Uint8Array(0);
  /** Low 8 bits of the full-scan count at unstable insertion. */
  seqnr = new Uint8Array(0);
  /** NUMA node of the unstable tree the item is linked in. */
  nid = new Uint8Array(0);
  oldchecksum = new Uint32Array(0);
  /** Smart scan: visits so far (saturating) and skips left. */
  age = new Uint8Array(0);
  remainingSkips = new Uint8Array(0);
  /** Stable node the item hangs off (when STABLE_FLAG). */
  head = new Int32Array(0);
  hprev = new Int32Array(0);
  hnext = new Int32Array(0);
  /** anon_vma id taken when the item went stable. */
  anonVma = new Int32Array(0);
  /** Unstable items: the frame seen at insertion and the machine's epoch then. */
  treePfn = new Int32Array(0);
  treeEpoch = new Float64Array(0);
  /** Unstable items: their content's memcmp key and its kind (`keyed`, as ContentStore.key returns it; 0: none). */
  keyHi = new Uint32Array(0);
  keyLo = new Uint32Array(0);
  keyed = new Uint8Array(0);
  private readonly pool = new HandlePool();

  /** `unstable`: the unstable tree(s), one root per NUMA node, grown with the items. */
  constructor(readonly unstable: ContentIndex) {}

  /** Live items (`ksm_rmap_items`). */
  get count(): number {
    return this.pool.live;
  }

  /** A zeroed item for (mm, address), like `alloc_rmap_item`. */
  alloc(mm: number, address: number): number {
    const h = this.pool.alloc((n) => this.grow(n), this.next.length);
    this.next[h] = NIL;
    this.mm[h] = mm;
    this.address[h] = address;
    this.flags[h] = 0;
    this.seqnr[h] = 0;
    this.nid[h] = 0;
    this.oldchecksum[h] = 0;
    this.age[h] = 0;
    this.remainingSkips[h] = 0;
    this.head[h] = NIL;
    this.hprev[h] = NIL;
    this.hnext[h] = NIL;
    this.anonVma[h] = NIL;
    return h;
  }

  free(h: number): void {
    this.pool.release(h);
  }

  /** Makes room for `n` items at once (a capacity hint: growing by doubling copies every array). */
  reserve(n: number): void {
    if (n > this.next.length) this.grow(n);
  }

  private grow(n: number): void {
    this.next = grown(this.next, n);
    this.mm = grown(this.mm, n);
    this.address = grown(this.address, n);
    this.flags = grown(this.flags, n);
    this.seqnr = grown(this.seqnr, n);
    this.nid = grown(this.nid, n);
    this.oldchecksum = grown(this.oldchecksum, n);
    this.age = grown(this.age, n);
    this.remainingSkips = grown(this.remainingSkips, n);
    this.head = grown(this.head, n);
    this.hprev = grown(this.hprev, n);
    this.hnext = grown(this.hnext, n);
    this.anonVma = grown(this.anonVma, n);
    this.treePfn = grown(this.treePfn, n);
    this.treeEpoch = grown(this.treeEpoch, n);
    this.keyHi = grown(this.keyHi, n);
    this.keyLo = grown(this.keyLo, n);
    this.keyed = grown(this.keyed, n);
    this.unstable.ensure(n);
  }
}
