import { type ContentIndex, type KsmProfile, NIL } from "@ksm/contracts";
import { type Machine, NO_PFN, type Pfn } from "@ksm/mm";
import type { KsmClock } from "./clock.js";
import { IN_TREE, IS_DUP, type StableNodes } from "./stable-node.js";
import type { KsmSysfs } from "./sysfs.js";

/**
 * What {@link StableChains.chain} resolves a stable-tree node to. One object per
 * StableChains, reused by every call (the stable tree's hot path allocates nothing): read
 * it before the next `chain()`.
 */
export interface ChainResult {
  /** The dup's KSM page; NO_PFN when no dup is left (the node or chain went stale and was freed). */
  folio: Pfn;
  /** The dup (a regular node resolves to itself); NIL when none. */
  dup: number;
  /** The node now in the tree: the chain, or the dup that replaced a chain left with one dup. */
  node: number;
}

/** The keyhole check a chain runs on each dup (`ksm_get_folio`), owned by the stable tree. */
export interface KsmFolioCheck {
  /** The node's KSM page if it still is one; else the node is removed and NO_PFN returned. */
  ksmGetFolio(node: number): Pfn;
}

/**
 * Stable-node chains and dups (`max_page_sharing`): a content with more mappings than one
 * KSM page may take gets a chain in the stable tree, whose dups each hold one KSM page of
 * that content. Here: adding and removing dups, allocating and freeing chains, and
 * `__stable_node_chain`, which picks a dup for a search (pruning stale dups at most every
 * `stable_node_chains_prune_millisecs`, collapsing a chain left with one dup).
 */
export class StableChains {
  /** The one object every {@link chain} call fills in and returns. */
  readonly result: ChainResult = { folio: NO_PFN, dup: NIL, node: NIL };
  /**
   * The earliest time (ms) at which a chain that a search left unpruned, because its prune
   * interval had not passed, would be pruned: the one decision of a search that depends on
   * the clock. Whoever needs it (the scan replay) sets it to Infinity and reads it later.
   */
  nextPruneAt = Number.POSITIVE_INFINITY;

  constructor(
    private readonly nodes: StableNodes,
    private readonly tree: ContentIndex,
    private readonly sysfs: KsmSysfs,
    private readonly profile: KsmProfile,
    private readonly clock: KsmClock,
    private readonly machine: Machine,
    private readonly folios: KsmFolioCheck,
  ) {}

  /** Mappings a KSM page may take: max_page_sharing, unlimited in eras without chains. */
  get sharingLimit(): number {
    return this.profile.behaviour.chains ? this.sysfs.knobs.max_page_sharing : Number.POSITIVE_INFINITY;
  }

  /** `is_page_sharing_candidate`: the node has mappings and can take `offset` + 1 more. */
  isPageSharingCandidate(node: number, offset: number): boolean {
    const len = this.nodes.rmapHlistLen[node]!;
    return len !== 0 && len + offset < this.sharingLimit;
  }

  /** `stable_node_chain_add_dup`: `dup` joins `chain`'s dups, first. */
  addDup(dup: number, chain: number): void {
    const sn = this.nodes;
    sn.setFullEpoch(chain, -1);
    sn.where[dup] = IS_DUP;
    sn.chainOf[dup] = chain;
    const first = sn.hlist[chain]!;
    sn.dupPrev[dup] = NIL;
    sn.dupNext[dup] = first;
    if (first !== NIL) sn.dupPrev[first] = dup;
    sn.hlist[chain] = dup;
    this.sysfs.dups++;
  }

  /** `stable_node_dup_del`: unlinks a regular node from its tree, or a dup from its chain. */
  dupDel(node: number): void {
    const sn = this.nodes;
    if (sn.where[node] === IS_DUP) {
      const chain = sn.chainOf[node]!;
      sn.setFullEpoch(chain, -1);
      const p = sn.dupPrev[node]!;
      const n = sn.dupNext[node]!;
      if (p === NIL) sn.hlist[chain] = n;
      else sn.dupNext[p] = n;
      if (n !== NIL) sn.dupPrev[n] = p;
      this.sysfs.dups--;
    } else this.tree.erase(sn.nid[node]!, node);
    sn.where[node] = 0;
  }

  /** `alloc_stable_node_chain`: a chain takes `dup`'s place in the tree and adopts it. */
  alloc(dup: number): number {
    const sn = this.nodes;
    const chain = sn.alloc();
    sn.makeChain(chain, this.clock.now);
    sn.nid[chain] = sn.nid[dup]!;
    sn.where[chain] = IN_TREE;
    this.sysfs.chains++;
    this.tree.replace(sn.nid[dup]!, dup, chain);
    this.addDup(dup, chain);
    return chain;
  }

  /** `free_stable_node_chain`: a chain without dups leaves the tree. */
  free(chain: number): void {
    this.tree.erase(this.nodes.nid[chain]!, chain);
    this.nodes.free(chain);
    this.sysfs.chains--;
  }

  /**
   * Frees chains left without dups, where no search will walk over them: after a full scan
   * with an unordered index (see ContentIndex.ordered), and after memory hot-remove.
   */
  freeEmpty(): void {
    const sn = this.nodes;
    for (let node = 0; node < sn.hlist.length; node++)
      if (sn.where[node] === IN_TREE && sn.isChain(node) && sn.hlist[node] === NIL) this.free(node);
  }

  /**
   * `__stable_node_chain`: resolves a tree node to a dup with its page. A regular node is
   * its own dup; a chain picks its best dup (the first that can take one more mapping when
   * not pruning; else the fullest that can, pruning stale dups on the way, when `prune` and
   * the prune interval has passed). A chain left with one dup collapses into it; one left
   * with none is freed. Returns the reused {@link ChainResult}.
   */
  chain(node: number, prune: boolean): ChainResult {
    const sn = this.nodes;
    const r = this.result;
    r.node = node;
    if (!sn.isChain(node)) {
      r.dup = node;
      r.folio = this.folios.ksmGetFolio(node);
      return r;
    }
    const now = this.clock.now;
    if (prune) {
      const due = sn.pruneTime(node) + this.sysfs.knobs.stable_node_chains_prune_millisecs;
      if (now < due) {
        prune = false;
        if (due < this.nextPruneAt) this.nextPruneAt = due;
      } else sn.setPruneTime(node, now);
    }
    const epoch = this.machine.epoch;
    if (!prune && sn.fullEpoch(node) === epoch) {
      // every dup valid and full since the last walk: it would settle on the first again
      r.dup = sn.hlist[node]!;
      r.folio = sn.kpfn(r.dup);
      return r;
    }
    if (!prune) {
      // the common case, without the walk: the first dup is valid, can take one more
      // mapping and is not the chain's last (so nothing moves or collapses)
      const first = sn.hlist[node]!;
      if (first !== NIL && sn.dupNext[first] !== NIL && sn.isValid(first, epoch)) {
        const len = sn.rmapHlistLen[first]!;
        if (len !== 0 && len < this.sharingLimit) {
          r.dup = first;
          r.folio = sn.kpfn(first);
          return r;
        }
      }
    }
    let found = NIL;
    let foundLen = 0;
    let folio: Pfn = NO_PFN;
    let stale = false;
    for (let dup = sn.hlist[node]!; dup !== NIL; ) {
      const next = sn.dupNext[dup]!;
      const kp = this.folios.ksmGetFolio(dup);
      if (kp === NO_PFN) stale = true;
      else if (
        found === NIL ||
        (this.isPageSharingCandidate(dup, 0) &&
          (!this.isPageSharingCandidate(found, 0) || sn.rmapHlistLen[dup]! > foundLen))
      ) {
        found = dup;
        foundLen = sn.rmapHlistLen[dup]!;
        folio = kp;
        if (!prune && this.isPageSharingCandidate(found, 0)) break;
      }
      dup = next;
    }
    if (found !== NIL) {
      if (sn.hlist[node] === found && sn.dupNext[found] === NIL) this.collapse(node, found);
      else if (sn.hlist[node] !== found && this.isPageSharingCandidate(found, 1)) this.moveFirst(node, found);
    } else this.free(node);
    if (
      !prune &&
      !stale &&
      found !== NIL &&
      r.node === node &&
      sn.hlist[node] === found &&
      sn.dupNext[found] !== NIL &&
      !this.isPageSharingCandidate(found, 0)
    )
      sn.setFullEpoch(node, epoch);
    r.dup = found;
    r.folio = folio;
    return r;
  }

  /** A chain left with one dup: the dup replaces it in the tree (`r.node` says so). */
  private collapse(chain: number, dup: number): void {
    const sn = this.nodes;
    this.tree.replace(sn.nid[chain]!, chain, dup);
    sn.where[dup] = IN_TREE;
    sn.nid[dup] = sn.nid[chain]!;
    sn.free(chain);
    this.sysfs.chains--;
    this.sysfs.dups--;
    this.result.node = dup;
  }

  /** The dup a search settled on goes first in its chain, so the next search finds it at once. */
  private moveFirst(chain: number, dup: number): void {
    const sn = this.nodes;
    const p = sn.dupPrev[dup]!;
    const n = sn.dupNext[dup]!;
    sn.dupNext[p] = n;
    if (n !== NIL) sn.dupPrev[n] = p;
    const first = sn.hlist[chain]!;
    sn.dupPrev[dup] = NIL;
    sn.dupNext[dup] = first;
    sn.dupPrev[first] = dup;
    sn.hlist[chain] = dup;
  }
}
