import { ABORT, ABORTED, type ContentIndex, type CostCounters, NIL } from "@ksm/contracts";
import { type Machine, NO_PFN, type Pfn } from "@ksm/mm";
import { KEY_TIE, SearchProbe } from "./memcmp.js";
import { findMergeableVma, type MmSlots } from "./mm-slot.js";
import {
  KEY_HI,
  KEY_KIND_BITS,
  KEY_KIND_MASK,
  KEY_LO,
  LINK_WORDS,
  MAX_TAG,
  type RmapItems,
  TAG_SHIFT,
  TREE_PFN,
  TREE_SEEN,
  TREE_SEQNR_MASK,
  UNSTABLE_FLAG,
} from "./rmap-item.js";
import type { ItemLog } from "./scan-replay.js";
import { kpfnNid } from "./stable-tree.js";
import type { KsmSysfs } from "./sysfs.js";

/**
 * What {@link UnstableTree.searchInsert} found. One object per tree, reused by every call
 * (the hot path allocates nothing): read it before the next search.
 */
export interface UnstableMatch {
  /** The unstable rmap_item with the probe's content; NIL when there was none (the probe went in) or the search gave up. */
  item: number;
  /** Its page now (valid when `item` is not NIL). */
  pfn: Pfn;
}

/**
 * The unstable tree (`root_unstable_tree`, one root per NUMA node): rmap_items of pages
 * that kept their checksum over two visits but match no KSM page, by content. Their pages
 * may change under it, so each walk looks at a node's page afresh unless nothing outside
 * KSM touched memory since it went in; the tree is emptied at every full scan's start and
 * an item's membership is only as old as its `seqnr`.
 *
 * "Nothing touched memory since" is a tag, not the 64-bit machine epoch: each insertion
 * made while `Machine.epoch` stands where it stood at the last one gets that insertion's
 * tag, else the next tag; an item's page is as it was exactly when its tag is the current
 * one and the epoch has not moved since (epochs only grow, so an old tag never comes back).
 * Tags count from 1 again at each reset, so they stay below the insertions of one scan; a
 * scan that would need more than MAX_TAG gives the rest of its items none.
 */
export class UnstableTree {
  private readonly probe: SearchProbe;
  private readonly match: UnstableMatch = { item: NIL, pfn: NO_PFN };
  /** The probe's frame and NUMA node during a search. */
  private probePfn: Pfn = NO_PFN;
  private probeNid = 0;
  /** The current insertion tag (see above) and the machine epoch it stands for. */
  private tag = 0;
  private tagEpoch = -1;
  /** During a search: the tag of items whose page is as it was (-1: none, memory changed), and merge_across_nodes. */
  private liveTag = -1;
  private mergeAcross = 1;
  /** While set (the scan replay records a full scan): every item that goes in is logged. */
  log: ItemLog | null = null;

  constructor(
    private readonly machine: Machine,
    private readonly items: RmapItems,
    /** The index the tree is kept in. */
    readonly index: ContentIndex,
    private readonly nrNodes: number,
    private readonly slots: MmSlots,
    private readonly sysfs: KsmSysfs,
    spent: CostCounters,
  ) {
    this.probe = new SearchProbe(machine.contents, spent);
  }

  /** An unstable-tree node on the search path: its page now, compared with the probe. */
  private readonly visit = (node: number): number => {
    const w = node * LINK_WORDS;
    const seen = this.items.linkU[w + TREE_SEEN]!;
    const mergeAcross = this.mergeAcross;
    let treePfn: Pfn;
    if (seen >>> TAG_SHIFT === this.liveTag) {
      // nothing outside KSM changed memory since the node went in: its page is where it
      // was, with the same content, whose key was kept
      treePfn = this.items.link[w + TREE_PFN]!;
      if (treePfn === this.probePfn) return ABORT;
      const keyed = seen & KEY_KIND_MASK;
      const ret =
        this.probe.keyed && keyed
          ? this.probe.compareKey(this.items.linkU[w + KEY_HI]!, this.items.linkU[w + KEY_LO]!, keyed)
          : KEY_TIE;
      if (ret !== KEY_TIE) {
        if (ret !== 0) return ret;
        if (!mergeAcross && this.machine.frames.pageToNid(treePfn) !== this.probeNid) return ABORT;
        this.match.pfn = treePfn;
        return 0;
      }
    } else {
      treePfn = this.getMergeablePage(node);
      if (treePfn === NO_PFN || treePfn === this.probePfn) return ABORT;
    }
    const f = this.machine.frames;
    const ret = this.probe.compare(f.content[treePfn]!);
    if (ret !== 0) return ret;
    // a tree page migrated to another node is only merged with across nodes
    if (!mergeAcross && f.pageToNid(treePfn) !== this.probeNid) return ABORT;
    this.match.pfn = treePfn;
    return 0;
  };

  /**
   * `unstable_tree_search_insert`: the unstable item with `pfn`'s content and its page, or
   * (`item` NIL) none: then `item` went into the tree, unless the search gave up on a tree
   * page that vanished or is `pfn` itself. Returns the reused {@link UnstableMatch}.
   */
  searchInsert(item: number, pfn: Pfn): UnstableMatch {
    const it = this.items;
    const match = this.match;
    const nid = kpfnNid(this.sysfs.knobs, this.machine.frames, pfn);
    this.probe.set(this.machine.frames.content[pfn]!);
    this.probePfn = pfn;
    this.probeNid = nid;
    // a search changes no memory: the epoch stands still during it
    this.liveTag = this.tagEpoch === this.machine.epoch ? this.tag : -1;
    this.mergeAcross = this.sysfs.knobs.merge_across_nodes;
    const found = this.index.find(nid, this.probe.content, this.visit);
    if (found !== NIL) {
      match.item = found === ABORTED ? NIL : found;
      return match;
    }
    match.item = NIL;
    it.flags[item]! |= UNSTABLE_FLAG;
    it.setTreeNid(item, nid);
    const w = item * LINK_WORDS;
    it.link[w + TREE_PFN] = pfn;
    // a page ksmd itself just unmapped (a THP split mapped it to the zero page) is not kept:
    // each walk over the item looks for its page again, and gives up, as the kernel does
    const mm = this.slots.byMmId(it.mmOf(item)).mm;
    let tag = 0;
    if (mm.pt.pfn(it.addressOf(item)) === pfn) {
      // past the last tag the word holds, the rest of the scan's items get none (and are
      // looked at afresh: exact, only slower)
      if (this.tagEpoch !== this.machine.epoch && this.tag < MAX_TAG) {
        this.tag++;
        this.tagEpoch = this.machine.epoch;
      }
      if (this.tagEpoch === this.machine.epoch) tag = this.tag;
    }
    it.linkU[w + TREE_SEEN] =
      tag * 2 ** TAG_SHIFT + ((this.sysfs.seqnr << KEY_KIND_BITS) & TREE_SEQNR_MASK) + this.probe.keyed;
    it.linkU[w + KEY_HI] = this.probe.key[0]!;
    it.linkU[w + KEY_LO] = this.probe.key[1]!;
    this.index.insertHere(nid, item, this.probe.content);
    this.log?.push(item);
    this.sysfs.pagesUnshared++;
    return match;
  }

  /**
   * The unstable half of `remove_rmap_item_from_tree`: `item` leaves the tree (it is only
   * still linked when it went in during this full scan).
   */
  removeItem(item: number): void {
    const it = this.items;
    if (((this.sysfs.seqnr - it.treeSeqnr(item)) & 0xff) === 0) this.index.erase(it.treeNid(item), item);
    this.sysfs.pagesUnshared--;
    it.flags[item]! &= ~UNSTABLE_FLAG;
  }

  /** At each full scan's start: every root emptied, without visiting its nodes. */
  reset(): void {
    for (let r = 0; r < this.nrNodes; r++) this.index.reset(r);
    this.tag = 0;
    this.tagEpoch = -1;
  }

  /** `get_mergeable_page`: the item's page now, or NO_PFN when its VMA or page went away. */
  private getMergeablePage(item: number): Pfn {
    const mm = this.slots.byMmId(this.items.mmOf(item)).mm;
    const addr = this.items.addressOf(item);
    if (!findMergeableVma(mm, addr)) return NO_PFN;
    return this.machine.followAnonPage(mm, addr);
  }
}
