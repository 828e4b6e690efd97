import { type ContentIndex, NIL } from "@ksm/contracts";
import { grown } from "@ksm/mm";
import { KEY_KIND_BITS, KEY_KIND_MASK } from "./rmap-item.js";
import { HandlePool } from "./soa.js";

/** `rmap_hlist_len` of a chain head. */
export const STABLE_NODE_CHAIN = -1024;

/** Where a stable node is linked. */
export const IN_TREE = 1;
/** A dup hanging off a chain (`STABLE_NODE_DUP_HEAD`). */
export const IS_DUP = 2;
/** On `migrate_nodes`, waiting to be placed in its node's tree. */
export const ON_MIGRATE_LIST = 3;

/** Words of a node's {@link StableNodes.page} record. */
export const PAGE_WORDS = 4;
/** The node's KSM page (`kpfn`). */
const KPFN = 0;
/**
 * The node's flags and validity: 8 × the tag of its last keyhole check (see
 * {@link StableNodes.isValid}), plus {@link CHAIN_BIT} for a chain, plus the key's kind
 * ({@link KEY_KIND_MASK}: NO_KEY, KEY_EXACT or KEY_PREFIX, as ContentStore.key returns it).
 */
const VALID = 1;
/** Mirrors `rmap_hlist_len` = STABLE_NODE_CHAIN, so that a walk tells a chain from its record. */
const CHAIN_BIT = 1 << KEY_KIND_BITS;
const FLAG_BITS = KEY_KIND_BITS + 1;
/** The memcmp key of the node's content (a KSM page never changes), high and low half. */
const KEY_HI = 2;
const KEY_LO = 3;
/** Validity tags stay below this (the tag and the flags fit 32 bits). */
const TAG_LIMIT = 2 ** (32 - FLAG_BITS) - 1;

/**
 * Every `ksm_stable_node` as a struct of typed arrays: regular nodes and chains live in the
 * stable tree(s); dups hang off a chain in a doubly linked list. What a tree search reads
 * of each node it walks over (its page, whether that passed the keyhole check at this
 * machine epoch, its key) sits in one record, one cache line.
 */
export class StableNodes {
  /** First rmap_item (regular node or dup) or first dup (chain). */
  hlist = new Int32Array(0);
  rmapHlistLen = new Int32Array(0);
  /** {@link PAGE_WORDS} words a node: KPFN, VALID, KEY_HI, KEY_LO. */
  private page = new Int32Array(0);
  private pageU = new Uint32Array(0);
  /**
   * The validity tag: a node checked while `Machine.epoch` stood where it stood at the last
   * check gets that check's tag, else the next one; the node is still valid exactly when its
   * tag is the current one and the epoch has not moved since (epochs only grow).
   */
  private tag = 0;
  private tagEpoch = -1;
  nid = new Uint8Array(0);
  where = new Uint8Array(0);
  /** Dups: neighbours in the chain's list, and the chain. Chains: `chainOf` is their slot of {@link chainTimes}. */
  dupPrev = new Int32Array(0);
  dupNext = new Int32Array(0);
  chainOf = new Int32Array(0);
  /**
   * Two numbers a chain, at its slot (few nodes are chains): the time of its last prune, ms
   * (`chain_prune_time`), and the machine epoch at which every dup was found valid and full
   * (so a lookup settles on the first dup without walking the others; -1 once a dup is
   * added, dropped or loses a mapping). Read and written through {@link pruneTime} and
   * {@link fullEpoch}.
   */
  private chainTimes = new Float64Array(0);
  private readonly pool = new HandlePool((n) => this.grow(n));
  private readonly chainSlots = new HandlePool((n) => {
    this.chainTimes = grown(this.chainTimes, n * 2);
  });

  /** `tree`: the stable tree(s), one root per NUMA node, grown with the nodes. */
  constructor(readonly tree: ContentIndex) {}

  /** Live nodes, chains included. */
  get count(): number {
    return this.pool.live;
  }

  /** How many nodes were allocated and freed so far. */
  get turnover(): number {
    return this.pool.turnover;
  }

  alloc(): number {
    const h = this.pool.alloc(this.hlist.length);
    this.hlist[h] = NIL;
    this.rmapHlistLen[h] = 0;
    const w = h * PAGE_WORDS;
    this.page[w + KPFN] = NIL;
    this.pageU[w + VALID] = 0;
    this.nid[h] = 0;
    this.where[h] = 0;
    this.dupPrev[h] = NIL;
    this.dupNext[h] = NIL;
    this.chainOf[h] = NIL;
    return h;
  }

  free(h: number): void {
    if (this.isChain(h)) this.chainSlots.release(this.chainOf[h]!);
    this.where[h] = 0;
    this.pool.release(h);
  }

  /** Every typed array of the nodes' state, the validity tag's and the handle pools': what the scan replay digests. */
  stateColumns(): ArrayBufferView[] {
    const { hlist, rmapHlistLen, page, nid, where, dupPrev, dupNext, chainOf, chainTimes } = this;
    const tag = Float64Array.of(this.tag, this.tagEpoch);
    return [
      hlist,
      rmapHlistLen,
      page,
      nid,
      where,
      dupPrev,
      dupNext,
      chainOf,
      chainTimes,
      tag,
      this.pool.state(),
      this.chainSlots.state(),
    ];
  }

  /** A chain's time of its last prune, ms. */
  pruneTime(chain: number): number {
    return this.chainTimes[this.chainOf[chain]! * 2]!;
  }

  setPruneTime(chain: number, ms: number): void {
    this.chainTimes[this.chainOf[chain]! * 2] = ms;
  }

  /** The machine epoch at which every dup of `chain` was found valid and full, or -1. */
  fullEpoch(chain: number): number {
    return this.chainTimes[this.chainOf[chain]! * 2 + 1]!;
  }

  setFullEpoch(chain: number, epoch: number): void {
    this.chainTimes[this.chainOf[chain]! * 2 + 1] = epoch;
  }

  /** The node's KSM page. */
  kpfn(h: number): number {
    return this.page[h * PAGE_WORDS + KPFN]!;
  }

  /** Sets the node's KSM page (at insertion, or when it migrates). */
  setKpfn(h: number, pfn: number): void {
    this.page[h * PAGE_WORDS + KPFN] = pfn;
  }

  /** Whether the node's page passed the keyhole check at machine epoch `epoch` (the current one). */
  isValid(h: number, epoch: number): boolean {
    return this.pageU[h * PAGE_WORDS + VALID]! >>> FLAG_BITS === this.tag && this.tagEpoch === epoch;
  }

  /** The node's page passed the keyhole check at machine epoch `epoch` (the current one). */
  markValid(h: number, epoch: number): void {
    if (this.tagEpoch !== epoch) {
      if (this.tag === TAG_LIMIT) {
        // out of tags: every node checks again (only ever after 2^31 epochs)
        for (let i = VALID; i < this.pageU.length; i += PAGE_WORDS)
          this.pageU[i]! &= KEY_KIND_MASK | CHAIN_BIT;
        this.tag = 0;
      }
      this.tag++;
      this.tagEpoch = epoch;
    }
    const w = h * PAGE_WORDS + VALID;
    this.pageU[w] = this.tag * (1 << FLAG_BITS) + (this.pageU[w]! & (KEY_KIND_MASK | CHAIN_BIT));
  }

  /** Records the memcmp key of the node's content and its kind (`keyed`, as ContentStore.key returned it; NO_KEY: none). */
  setKey(h: number, keyed: number, hi: number, lo: number): void {
    const w = h * PAGE_WORDS;
    this.pageU[w + VALID] = (this.pageU[w + VALID]! & ~KEY_KIND_MASK) | keyed;
    this.pageU[w + KEY_HI] = hi;
    this.pageU[w + KEY_LO] = lo;
  }

  /** The kind of the node's memcmp key (NO_KEY: none; see ContentStore.key). */
  keyed(h: number): number {
    return this.pageU[h * PAGE_WORDS + VALID]! & KEY_KIND_MASK;
  }

  /** The key's high half (valid when {@link keyed}). */
  keyHi(h: number): number {
    return this.pageU[h * PAGE_WORDS + KEY_HI]!;
  }

  /** The key's low half. */
  keyLo(h: number): number {
    return this.pageU[h * PAGE_WORDS + KEY_LO]!;
  }

  /** Whether the node is a chain (`is_stable_node_chain`). */
  isChain(h: number): boolean {
    return (this.pageU[h * PAGE_WORDS + VALID]! & CHAIN_BIT) !== 0;
  }

  /** The node becomes a chain head (`rmap_hlist_len` = STABLE_NODE_CHAIN), last pruned at `now` ms. */
  makeChain(h: number, now: number): void {
    this.rmapHlistLen[h] = STABLE_NODE_CHAIN;
    this.pageU[h * PAGE_WORDS + VALID]! |= CHAIN_BIT;
    const slot = this.chainSlots.alloc(this.chainTimes.length / 2);
    this.chainOf[h] = slot;
    this.chainTimes[slot * 2] = now;
    this.chainTimes[slot * 2 + 1] = -1;
  }

  private grow(n: number): void {
    this.hlist = grown(this.hlist, n);
    this.rmapHlistLen = grown(this.rmapHlistLen, n);
    this.page = grown(this.page, n * PAGE_WORDS);
    this.pageU = new Uint32Array(this.page.buffer);
    this.nid = grown(this.nid, n);
    this.where = grown(this.where, n);
    this.dupPrev = grown(this.dupPrev, n);
    this.dupNext = grown(this.dupNext, n);
    this.chainOf = grown(this.chainOf, n);
    this.tree.ensure(n);
  }
}
