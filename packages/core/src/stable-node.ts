import { type ContentIndex, NIL } from "@ksm/contracts";
import { grown } from "@ksm/mm";
import { HandlePool } from "./soa.js";

/** `rmap_hlist_len` of a chain head. */
export const STABLE_NODE_CHAIN = -1024;

/** Where a stable node is linked. */
export const IN_TREE = 1;
/** A dup hanging off a chain (`STABLE_NODE_DUP_HEAD`). */
export const IS_DUP = 2;
/** On `migrate_nodes`, waiting to be placed in its node's tree. */
export const ON_MIGRATE_LIST = 3;

/**
 * Every `ksm_stable_node` as a struct of typed arrays: regular nodes and chains live in the
 * stable tree(s); dups hang off a chain in a doubly linked list.
 */
export class StableNodes {
  /** First rmap_item (regular node or dup) or first dup (chain). */
  hlist = new Int32Array(0);
  rmapHlistLen = new Int32Array(0);
  kpfn = new Int32Array(0);
  /** Chains: time of the last prune, ms. */
  chainPruneTime = new Float64Array(0);
  nid = new Uint8Array(0);
  where = new Uint8Array(0);
  /** Dups: neighbours in the chain's list, and the chain. */
  dupPrev = new Int32Array(0);
  dupNext = new Int32Array(0);
  chainOf = new Int32Array(0);
  /** The memcmp key of the node's content (a KSM page never changes) and its kind (`keyed`, as ContentStore.key returns it; 0: none). */
  keyHi = new Uint32Array(0);
  keyLo = new Uint32Array(0);
  keyed = new Uint8Array(0);
  /** The machine epoch at which the node's page last passed the keyhole check. */
  validEpoch = new Float64Array(0);
  /**
   * Chains: the machine epoch at which every dup was found valid and full (so a lookup
   * settles on the first dup without walking the others); -1 once a dup is added, dropped
   * or loses a mapping.
   */
  fullEpoch = new Float64Array(0);
  private readonly pool = new HandlePool();

  /** `tree`: the stable tree(s), one root per NUMA node, grown with the nodes. */
  constructor(readonly tree: ContentIndex) {}

  /** Live nodes, chains included. */
  get count(): number {
    return this.pool.live;
  }

  alloc(): number {
    const h = this.pool.alloc((n) => this.grow(n), this.hlist.length);
    this.hlist[h] = NIL;
    this.rmapHlistLen[h] = 0;
    this.kpfn[h] = NIL;
    this.chainPruneTime[h] = 0;
    this.nid[h] = 0;
    this.where[h] = 0;
    this.dupPrev[h] = NIL;
    this.dupNext[h] = NIL;
    this.chainOf[h] = NIL;
    this.keyed[h] = 0;
    this.validEpoch[h] = -1;
    this.fullEpoch[h] = -1;
    return h;
  }

  free(h: number): void {
    this.where[h] = 0;
    this.pool.release(h);
  }

  isChain(h: number): boolean {
    return this.rmapHlistLen[h] === STABLE_NODE_CHAIN;
  }

  private grow(n: number): void {
    this.hlist = grown(this.hlist, n);
    this.rmapHlistLen = grown(this.rmapHlistLen, n);
    this.kpfn = grown(this.kpfn, n);
    this.chainPruneTime = grown(this.chainPruneTime, n);
    this.nid = grown(this.nid, n);
    this.where = grown(this.where, n);
    this.dupPrev = grown(this.dupPrev, n);
    this.dupNext = grown(this.dupNext, n);
    this.chainOf = grown(this.chainOf, n);
    this.keyHi = grown(this.keyHi, n);
    this.keyLo = grown(this.keyLo, n);
    this.keyed = grown(this.keyed, n);
    this.validEpoch = grown(this.validEpoch, n);
    this.fullEpoch = grown(this.fullEpoch, n);
    this.tree.ensure(n);
  }
}
