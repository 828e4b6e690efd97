import { type ContentIndex, NIL } from "@ksm/contracts";
import { grown } from "@ksm/mm";
import { HandlePool } from "./soa.js";

/** rmap_item flag: listed from a stable node. */
export const STABLE_FLAG = 1;
/** rmap_item flag: a node of the unstable tree. */
export const UNSTABLE_FLAG = 2;

/**
 * Words of an item's {@link RmapItems.link} record, the kernel's union in `ksm_rmap_item`:
 * an item is listed from a stable node or is a node of the unstable tree, never both, so
 * the two share the words. Word `item * LINK_WORDS + field`.
 */
export const LINK_WORDS = 4;
/** Stable items (STABLE_FLAG): the stable node the item hangs off. */
export const HEAD = 0;
/** Stable items: neighbours in the node's hlist. */
export const HPREV = 1;
export const HNEXT = 2;
/** Stable items: the anon_vma id taken when the item went stable. */
export const ANON_VMA = 3;
/** Unstable items (UNSTABLE_FLAG) of plain content: its memcmp key (see ContentStore.key), high and low half. */
export const KEY_HI = 0;
export const KEY_LO = 1;
/** Unstable items: the frame seen at insertion. */
export const TREE_PFN = 2;
/**
 * Unstable items: the unstable tree's tag of the machine epoch at insertion (0: none, the
 * page was not where it was looked up; see UnstableTree) shifted by {@link KEY_KIND_BITS},
 * plus the key's kind (NO_KEY, KEY_EXACT or KEY_PREFIX, as ContentStore.key returns it).
 */
export const TREE_SEEN = 3;
/** Bits of {@link TREE_SEEN} (and of a stable node's record) that hold the key's kind. */
export const KEY_KIND_BITS = 2;
/** The key's kind in {@link TREE_SEEN}. */
export const KEY_KIND_MASK = (1 << KEY_KIND_BITS) - 1;

/**
 * Every `rmap_item` (one per scanned virtual page) as a struct of typed arrays indexed by
 * an integer handle. Items of one mm form a singly linked list sorted by address; items of
 * a stable node a doubly linked list; the unstable tree is a {@link ContentIndex} over item
 * handles. What only stable or only unstable items need shares one record ({@link link}),
 * whose words sit together, so a tree walk reads one cache line per item.
 */
export class RmapItems {
  /** Next item in the mm's address-sorted list. */
  next = new Int32Array(0);
  /** The mm's id: 16 bits an item while every id fits (mm ids are never reused), 32 from the first that does not. */
  mm: Uint16Array | Int32Array = new Uint16Array(0);
  /** Virtual page number. */
  address = new Int32Array(0);
  flags = new Uint8Array(0);
  /** Low 8 bits of the full-scan count at unstable insertion. */
  seqnr = new Uint8Array(0);
  /**
   * NUMA node of the unstable tree each item is linked in; empty while every item's is node
   * 0 (the column comes with the first item in another node's tree). Read it through
   * {@link treeNid}, write it through {@link setTreeNid}.
   */
  nid = new Uint8Array(0);
  oldchecksum = new Uint32Array(0);
  /** Smart scan: visits so far (saturating) and skips left. */
  age = new Uint8Array(0);
  remainingSkips = new Uint8Array(0);
  /** The stable-or-unstable record, {@link LINK_WORDS} words an item (HEAD, HPREV, HNEXT, ANON_VMA or KEY_HI, KEY_LO, TREE_PFN, TREE_SEEN). */
  link = new Int32Array(0);
  /** {@link link}'s words unsigned (the keys). */
  linkU = new Uint32Array(0);
  private readonly pool = new HandlePool();

  /** `unstable`: the unstable tree(s), one root per NUMA node, grown with the items. */
  constructor(readonly unstable: ContentIndex) {}

  /** Live items (`ksm_rmap_items`). */
  get count(): number {
    return this.pool.live;
  }

  /** How many items were allocated and freed so far. */
  get turnover(): number {
    return this.pool.turnover;
  }

  /** A zeroed item for (mm, address), like `alloc_rmap_item`. */
  alloc(mm: number, address: number): number {
    const h = this.pool.alloc((n) => this.grow(n), this.next.length);
    this.next[h] = NIL;
    if (mm > 0xffff && this.mm instanceof Uint16Array) this.mm = Int32Array.from(this.mm);
    this.mm[h] = mm;
    this.address[h] = address;
    this.flags[h] = 0;
    this.seqnr[h] = 0;
    if (this.nid.length !== 0) this.nid[h] = 0;
    this.oldchecksum[h] = 0;
    this.age[h] = 0;
    this.remainingSkips[h] = 0;
    const w = h * LINK_WORDS;
    this.link[w + HEAD] = NIL;
    this.link[w + HPREV] = NIL;
    this.link[w + HNEXT] = NIL;
    this.link[w + ANON_VMA] = NIL;
    return h;
  }

  /** The NUMA node of the unstable tree `item` went into. */
  treeNid(item: number): number {
    return this.nid.length === 0 ? 0 : this.nid[item]!;
  }

  /** `item` goes into node `nid`'s unstable tree. */
  setTreeNid(item: number, nid: number): void {
    if (nid !== 0 && this.nid.length === 0) this.nid = new Uint8Array(this.next.length);
    if (this.nid.length !== 0) this.nid[item] = nid;
  }

  /** The stable node `item` hangs off (valid when STABLE_FLAG). */
  head(item: number): number {
    return this.link[item * LINK_WORDS + HEAD]!;
  }

  /** The next item of a stable node's hlist after `item`, or NIL. */
  hnext(item: number): number {
    return this.link[item * LINK_WORDS + HNEXT]!;
  }

  /** The anon_vma id a stable item took when it went stable. */
  anonVma(item: number): number {
    return this.link[item * LINK_WORDS + ANON_VMA]!;
  }

  /** A stable item takes anon_vma `id` (`rmap_item->anon_vma`). */
  setAnonVma(item: number, id: number): void {
    this.link[item * LINK_WORDS + ANON_VMA] = id;
  }

  free(h: number): void {
    this.pool.release(h);
  }

  /**
   * Every typed array of the items' state but `seqnr` (which only says which full scan an
   * unstable item went in during) and the tree state (`flags`, `nid`, `link`, which the scan
   * replay digests item by item), and the handle pool's.
   */
  stateColumns(): ArrayBufferView[] {
    const { next, mm, address, oldchecksum, age, remainingSkips } = this;
    return [next, mm, address, oldchecksum, age, remainingSkips, this.pool.state()];
  }

  /** Makes room for `n` items at once (a capacity hint: growing by half each time copies every array). */
  reserve(n: number): void {
    if (n > this.next.length) this.grow(n);
  }

  private grow(n: number): void {
    this.next = grown(this.next, n);
    this.mm = grown(this.mm, n);
    this.address = grown(this.address, n);
    this.flags = grown(this.flags, n);
    this.seqnr = grown(this.seqnr, n);
    if (this.nid.length !== 0) this.nid = grown(this.nid, n);
    this.oldchecksum = grown(this.oldchecksum, n);
    this.age = grown(this.age, n);
    this.remainingSkips = grown(this.remainingSkips, n);
    this.link = grown(this.link, n * LINK_WORDS);
    this.linkU = new Uint32Array(this.link.buffer);
    this.unstable.ensure(n);
  }
}
