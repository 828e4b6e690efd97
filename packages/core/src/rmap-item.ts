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
 * page was not where it was looked up; see UnstableTree) shifted by {@link TAG_SHIFT}, the
 * low 8 bits of the full-scan count at insertion (the kernel's `rmap_item->address & SEQNR_MASK`)
 * shifted by {@link KEY_KIND_BITS}, plus the key's kind (NO_KEY, KEY_EXACT or KEY_PREFIX, as
 * ContentStore.key returns it).
 */
export const TREE_SEEN = 3; // the record's last word (the scan replay masks its seqnr)
/** Bits of {@link TREE_SEEN} (and of a stable node's record) that hold the key's kind. */
export const KEY_KIND_BITS = 2;
/** The key's kind in {@link TREE_SEEN}. */
export const KEY_KIND_MASK = (1 << KEY_KIND_BITS) - 1;
/** The bits of {@link TREE_SEEN} that hold the seqnr. */
export const TREE_SEQNR_MASK = 0xff << KEY_KIND_BITS;
/** Where the tag starts in {@link TREE_SEEN}, above the kind and the 8 bits of seqnr. */
export const TAG_SHIFT = KEY_KIND_BITS + 8;
/** The highest tag {@link TREE_SEEN} holds. */
export const MAX_TAG = 2 ** (32 - TAG_SHIFT) - 1;

/** Virtual pages a leaf of rmap_items covers (aligned): an item's handle is its leaf's times this plus its page's offset in the leaf. */
export const LEAF_PAGES = 64;
const LEAF_SHIFT = 6;

/** An mm's list of rmap_items (its mm_slot): the first leaf, NIL when it has no item. */
export interface RmapList {
  rmapList: number;
}

/**
 * Where a walk along an mm's list stands (`ksm_scan.rmap_list`): the items below `address`
 * are behind it; `prev` is the last leaf wholly behind it (NIL: none, the list's head).
 */
export interface RmapCursor {
  address: number;
  prev: number;
}

/**
 * Every `rmap_item` (one per scanned virtual page) as a struct of typed arrays indexed by
 * an integer handle. The kernel keeps an mm's items in a singly linked list sorted by
 * address; here they sit in leaves of {@link LEAF_PAGES} aligned pages, each leaf one mm's,
 * with a bit a page saying which hold an item, and an mm's leaves form a list sorted by
 * address: the item's mm and address are its leaf's, and the list costs a bit an item, not
 * three words. Items of a stable node form a doubly linked list; the unstable tree is a
 * {@link ContentIndex} over item handles. What only stable or only unstable items need
 * shares one record ({@link link}), whose words sit together, so a tree walk reads one
 * cache line per item.
 */
export class RmapItems {
  /** A leaf's mm id. */
  leafMm = new Int32Array(0);
  /** A leaf's first virtual page over {@link LEAF_PAGES}. */
  leafBase = new Int32Array(0);
  /** The next leaf of the mm's address-sorted list, or NIL. */
  leafNext = new Int32Array(0);
  /** Two words a leaf: bit `i` of word `i >> 5` set when page `i` of the leaf has an item. */
  leafLive = new Uint32Array(0);
  flags = new Uint8Array(0);
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
  /** The leaves'. */
  private readonly pool = new HandlePool((leaves) => this.grow(leaves));
  private live = 0;
  private made = 0;

  /** `unstable`: the unstable tree(s), one root per NUMA node, grown with the items. */
  constructor(readonly unstable: ContentIndex) {}

  /** Live items (`ksm_rmap_items`). */
  get count(): number {
    return this.live;
  }

  /** How many items were allocated and freed so far. */
  get turnover(): number {
    return this.made;
  }

  /** The id of the mm `item` belongs to. */
  mmOf(item: number): number {
    return this.leafMm[item >>> LEAF_SHIFT]!;
  }

  /** The virtual page `item` stands for. */
  addressOf(item: number): number {
    return this.leafBase[item >>> LEAF_SHIFT]! * LEAF_PAGES + (item & (LEAF_PAGES - 1));
  }

  /** The items of `list` in address order. */
  listed(list: RmapList): number[] {
    const out: number[] = [];
    for (let leaf = list.rmapList; leaf !== NIL; leaf = this.leafNext[leaf]!)
      for (let i = 0; i < LEAF_PAGES; i++) if (this.isLive(leaf, i)) out.push(leaf * LEAF_PAGES + i);
    return out;
  }

  /**
   * Moves `cur` along `list` up to page `to`: with `onFree`, every item it passes is freed,
   * in address order, each after `onFree(item)`, and leaves left empty leave the list (the
   * stale items `get_next_rmap_item` frees, or `remove_trailing_rmap_items` with `to`
   * Infinity); without, they stay, behind it. Returns how many items were freed.
   */
  advance(list: RmapList, cur: RmapCursor, to: number, onFree: ((item: number) => void) | null): number {
    let freed = 0;
    let prev = cur.prev;
    let leaf = prev === NIL ? list.rmapList : this.leafNext[prev]!;
    while (leaf !== NIL) {
      const start = this.leafBase[leaf]! * LEAF_PAGES;
      if (start >= to) break;
      const next = this.leafNext[leaf]!;
      if (onFree !== null) {
        const from = Math.max(cur.address, start) - start;
        const end = Math.min(to, start + LEAF_PAGES) - start;
        for (let i = from; i < end; i++) {
          if (!this.isLive(leaf, i)) continue;
          onFree(leaf * LEAF_PAGES + i);
          this.leafLive[leaf * 2 + (i >>> 5)]! &= ~(1 << (i & 31));
          freed++;
        }
        if (this.leafLive[leaf * 2] === 0 && this.leafLive[leaf * 2 + 1] === 0) {
          if (prev === NIL) list.rmapList = next;
          else this.leafNext[prev] = next;
          this.pool.release(leaf);
          leaf = next;
          continue;
        }
      }
      if (start + LEAF_PAGES > to) break;
      prev = leaf;
      leaf = next;
    }
    cur.prev = prev;
    cur.address = to;
    this.live -= freed;
    this.made += freed;
    return freed;
  }

  /**
   * The item for page `addr` of `mm`, right where `cur` stands (moved there by
   * {@link advance}); a zeroed new one if there is none, like `alloc_rmap_item`, in the
   * list. `cur` moves past it.
   */
  itemAt(list: RmapList, cur: RmapCursor, mm: number, addr: number): number {
    const base = addr >>> LEAF_SHIFT;
    const prev = cur.prev;
    let leaf = prev === NIL ? list.rmapList : this.leafNext[prev]!;
    if (leaf === NIL || this.leafBase[leaf] !== base) {
      const fresh = this.pool.alloc(this.leafMm.length);
      this.leafMm[fresh] = mm;
      this.leafBase[fresh] = base;
      this.leafNext[fresh] = leaf;
      this.leafLive[fresh * 2] = 0;
      this.leafLive[fresh * 2 + 1] = 0;
      if (prev === NIL) list.rmapList = fresh;
      else this.leafNext[prev] = fresh;
      leaf = fresh;
    }
    cur.address = addr + 1;
    const i = addr - base * LEAF_PAGES;
    const h = leaf * LEAF_PAGES + i;
    if (this.isLive(leaf, i)) return h;
    this.leafLive[leaf * 2 + (i >>> 5)]! |= 1 << (i & 31);
    this.live++;
    this.made++;
    this.flags[h] = 0;
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

  private isLive(leaf: number, i: number): boolean {
    return (this.leafLive[leaf * 2 + (i >>> 5)]! & (1 << (i & 31))) !== 0;
  }

  /** The low 8 bits of the full-scan count when unstable `item` went into its tree. */
  treeSeqnr(item: number): number {
    return (this.linkU[item * LINK_WORDS + TREE_SEEN]! & TREE_SEQNR_MASK) >>> KEY_KIND_BITS;
  }

  /** Unstable `item` now went into its tree during full scan `seqnr` (its low 8 bits). */
  setTreeSeqnr(item: number, seqnr: number): void {
    const w = item * LINK_WORDS + TREE_SEEN;
    this.linkU[w] = (this.linkU[w]! & ~TREE_SEQNR_MASK) | ((seqnr << KEY_KIND_BITS) & TREE_SEQNR_MASK);
  }

  /** The NUMA node of the unstable tree `item` went into. */
  treeNid(item: number): number {
    return this.nid.length === 0 ? 0 : this.nid[item]!;
  }

  /** `item` goes into node `nid`'s unstable tree. */
  setTreeNid(item: number, nid: number): void {
    if (nid !== 0 && this.nid.length === 0) this.nid = new Uint8Array(this.flags.length);
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

  /**
   * Every typed array of the items' state but the tree state (`flags`, `nid`, `link`, which
   * the scan replay digests item by item), the leaves' and their pool's.
   */
  stateColumns(): ArrayBufferView[] {
    const { leafMm, leafBase, leafNext, leafLive, oldchecksum, age, remainingSkips } = this;
    return [leafMm, leafBase, leafNext, leafLive, oldchecksum, age, remainingSkips, this.pool.state()];
  }

  /** Makes room for `n` items of dense mappings at once (a capacity hint: growing by half each time copies every array). */
  reserve(n: number): void {
    const leaves = Math.ceil(n / LEAF_PAGES);
    if (leaves > this.leafMm.length) this.grow(leaves);
  }

  /** Room for `leaves` leaves. */
  private grow(leaves: number): void {
    this.leafMm = grown(this.leafMm, leaves);
    this.leafBase = grown(this.leafBase, leaves);
    this.leafNext = grown(this.leafNext, leaves);
    this.leafLive = grown(this.leafLive, leaves * 2);
    const n = leaves * LEAF_PAGES;
    this.flags = grown(this.flags, n);
    if (this.nid.length !== 0) this.nid = grown(this.nid, n);
    this.oldchecksum = grown(this.oldchecksum, n);
    this.age = grown(this.age, n);
    this.remainingSkips = grown(this.remainingSkips, n);
    this.link = grown(this.link, n * LINK_WORDS);
    this.linkU = new Uint32Array(this.link.buffer);
    this.unstable.ensure(n);
  }
}
