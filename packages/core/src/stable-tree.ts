import { type ContentIndex, type CostCounters, type KsmProfile, NIL, RESTART } from "@ksm/contracts";
import { type FrameTable, type Machine, NO_PFN, type Pfn, PG_KSM } from "@ksm/mm";
import type { KsmClock } from "./clock.js";
import type { Knobs } from "./knobs.js";
import { KEY_TIE, SearchProbe } from "./memcmp.js";
import type { MmSlots } from "./mm-slot.js";
import { HEAD, HNEXT, HPREV, LINK_WORDS, type RmapItems, STABLE_FLAG } from "./rmap-item.js";
import { type ChainResult, type KsmFolioCheck, StableChains } from "./stable-chain.js";
import { IN_TREE, IS_DUP, ON_MIGRATE_LIST, type StableNodes } from "./stable-node.js";
import type { KsmSysfs } from "./sysfs.js";

/** `get_kpfn_nid`: the NUMA node whose trees a page belongs in (0 when merge_across_nodes). */
export function kpfnNid(knobs: Knobs, frames: FrameTable, pfn: Pfn): number {
  return knobs.merge_across_nodes ? 0 : frames.pageToNid(pfn);
}

/**
 * The stable tree (`root_stable_tree`, one root per NUMA node): KSM pages by content.
 * `stable_tree_search`, `stable_tree_insert` and `stable_tree_append`; the keyhole check
 * (`ksm_get_folio`) that finds a stable node stale and removes it with its rmap_items; and
 * `migrate_nodes`, the stable nodes whose page moved to another NUMA node, waiting for
 * their new tree. Chains and dups are {@link StableChains}'.
 */
export class StableTree implements KsmFolioCheck {
  /** Chains and dups of this tree. */
  readonly chains: StableChains;
  /** `migrate_nodes`, newest first. */
  readonly migrateNodes: number[] = [];
  private readonly probe: SearchProbe;
  /** Whether the search under way may prune chains (searches do, inserts do not). */
  private prunePath = true;
  /** {@link chains}' reused answer: after a `find`, the dup the visitor last compared equal with. */
  private readonly match: ChainResult;

  constructor(
    private readonly machine: Machine,
    private readonly nodes: StableNodes,
    private readonly items: RmapItems,
    /** The index the tree is kept in. */
    readonly index: ContentIndex,
    private readonly slots: MmSlots,
    private readonly sysfs: KsmSysfs,
    profile: KsmProfile,
    clock: KsmClock,
    spent: CostCounters,
  ) {
    this.chains = new StableChains(nodes, index, sysfs, profile, clock, machine, this);
    this.probe = new SearchProbe(machine.contents, spent);
    this.match = this.chains.result;
  }

  /**
   * `ksm_get_folio`: the node's KSM page if it still is one (the keyhole check), else the
   * node is stale: it is removed with all its rmap_items, and NO_PFN returned.
   */
  ksmGetFolio(node: number): Pfn {
    const sn = this.nodes;
    const kpfn = sn.kpfn(node);
    const epoch = this.machine.epoch;
    // nothing outside KSM touched memory since the last check: the page is still ours
    if (sn.isValid(node, epoch)) return kpfn;
    const f = this.machine.frames;
    if (f.ksmNode[kpfn] === node && f.flags[kpfn]! & PG_KSM && f.refcount[kpfn]! > 0) {
      sn.markValid(node, epoch);
      return kpfn;
    }
    this.removeNode(node);
    return NO_PFN;
  }

  /** `remove_node_from_stable_tree`: the node leaves its tree (or chain, or migrate_nodes) with its rmap_items. */
  removeNode(node: number): void {
    const it = this.items;
    const sn = this.nodes;
    const c = this.sysfs;
    for (let item = sn.hlist[node]!; item !== NIL; item = it.hnext(item)) {
      if (it.hnext(item) !== NIL) c.pagesSharing--;
      else c.pagesShared--;
      this.slots.byMmId(it.mmOf(item)).merging--;
      sn.rmapHlistLen[node]!--;
      it.flags[item]! &= ~STABLE_FLAG;
    }
    if (sn.where[node] === ON_MIGRATE_LIST) this.migrateNodes.splice(this.migrateNodes.indexOf(node), 1);
    else this.chains.dupDel(node);
    sn.free(node);
  }

  /** A node whose page is now on another NUMA node leaves its tree for `migrate_nodes`. */
  queueMigrated(node: number): void {
    this.chains.dupDel(node);
    this.nodes.where[node] = ON_MIGRATE_LIST;
    this.migrateNodes.unshift(node);
  }

  /** Whether a node's page moved off the NUMA node of its tree (only when merge_across_nodes is 0). */
  migrated(node: number): boolean {
    const sn = this.nodes;
    return kpfnNid(this.sysfs.knobs, this.machine.frames, sn.kpfn(node)) !== sn.nid[node];
  }

  /** At each full scan's start: every node on `migrate_nodes` is checked, the stale ones freed. */
  pruneMigrateNodes(): void {
    for (const node of [...this.migrateNodes]) this.ksmGetFolio(node);
  }

  /** A stable-tree node on the search path: resolve chains, then compare. */
  private readonly visit = (node: number): number => {
    const c = this.chains.chain(node, this.prunePath);
    if (c.folio === NO_PFN) return RESTART;
    const sn = this.nodes;
    const keyed = this.probe.keyed ? sn.keyed(c.dup) : 0;
    if (keyed) {
      const ret = this.probe.compareKey(sn.keyHi(c.dup), sn.keyLo(c.dup), keyed);
      if (ret !== KEY_TIE) return ret;
    }
    return this.probe.compare(this.machine.frames.content[c.folio]!);
  };

  /**
   * `stable_tree_search`: the KSM page with `pfn`'s content that can take one more
   * mapping, or NO_PFN. A KSM page finds itself; one on `migrate_nodes` takes its place in
   * its new node's tree (as a dup of an equal page there while it is still shared).
   */
  search(pfn: Pfn): Pfn {
    const f = this.machine.frames;
    const pageNode = f.isKsm(pfn) ? f.ksmNode[pfn]! : NIL;
    if (pageNode !== NIL && this.nodes.where[pageNode] !== ON_MIGRATE_LIST) return pfn;
    const nid = kpfnNid(this.sysfs.knobs, f, pfn);
    this.probe.set(f.content[pfn]!);
    this.prunePath = true;
    const sn = this.nodes;
    const chains = this.chains;
    for (;;) {
      const node = this.index.find(nid, this.probe.content, this.visit);
      if (node === NIL) {
        if (pageNode === NIL) return NO_PFN;
        // our own migrated KSM page: it takes its place in its new node's tree
        this.leaveMigrateList(pageNode, nid);
        sn.where[pageNode] = IN_TREE;
        this.index.insertHere(nid, pageNode, this.probe.content);
        return chains.isPageSharingCandidate(pageNode, 0) ? pfn : NO_PFN;
      }
      const dup = this.match.dup;
      if (pageNode !== NIL && f.mapcount[pfn]! > 1) {
        // a migrated KSM page still shared: keep it, as one more dup of this content
        const chain = sn.isChain(node) ? node : chains.alloc(node);
        this.leaveMigrateList(pageNode, nid);
        chains.addDup(pageNode, chain);
        return chains.isPageSharingCandidate(pageNode, 0) ? pfn : NO_PFN;
      }
      if (!chains.isPageSharingCandidate(dup, 0)) return NO_PFN;
      const kp = this.ksmGetFolio(dup);
      if (kp === NO_PFN) continue;
      if (this.migrated(dup)) {
        // the dup's page itself migrated: queue it for re-placement and look again
        this.queueMigrated(dup);
        continue;
      }
      return kp;
    }
  }

  /**
   * `stable_tree_insert`: a stable node for the new KSM page `kpfn`, in the tree, or as a
   * dup of a chain when its content is taken (a regular node there becomes a chain first).
   * Returns the new node.
   */
  insert(kpfn: Pfn): number {
    const f = this.machine.frames;
    const sn = this.nodes;
    const nid = kpfnNid(this.sysfs.knobs, f, kpfn);
    const probe = this.probe;
    probe.set(f.content[kpfn]!);
    this.prunePath = false;
    const equal = this.index.find(nid, probe.content, this.visit);
    const node = sn.alloc();
    sn.setKpfn(node, kpfn);
    sn.nid[node] = nid;
    sn.setKey(node, probe.keyed, probe.key[0]!, probe.key[1]!);
    if (equal === NIL) {
      sn.where[node] = IN_TREE;
      this.index.insertHere(nid, node, probe.content);
    } else {
      const chain = sn.isChain(equal) ? equal : this.chains.alloc(equal);
      this.chains.addDup(node, chain);
    }
    f.ksmNode[kpfn] = node;
    return node;
  }

  /**
   * `stable_tree_append`: `item` now maps the node's KSM page. A forked KSM page may take the
   * node past max_page_sharing (the kernel's bypass only silences a warning).
   */
  append(item: number, node: number): void {
    const it = this.items;
    const sn = this.nodes;
    const link = it.link;
    const w = item * LINK_WORDS;
    sn.rmapHlistLen[node]!++;
    link[w + HEAD] = node;
    it.flags[item]! |= STABLE_FLAG;
    const first = sn.hlist[node]!;
    link[w + HPREV] = NIL;
    link[w + HNEXT] = first;
    if (first !== NIL) {
      link[first * LINK_WORDS + HPREV] = item;
      this.sysfs.pagesSharing++;
    } else this.sysfs.pagesShared++;
    sn.hlist[node] = item;
    this.slots.byMmId(it.mmOf(item)).merging++;
  }

  /** The stable half of `remove_rmap_item_from_tree`: `item` no longer maps its node's page. */
  removeItem(item: number): void {
    const it = this.items;
    const link = it.link;
    const w = item * LINK_WORDS;
    const node = link[w + HEAD]!;
    if (this.ksmGetFolio(node) === NO_PFN) return;
    const sn = this.nodes;
    const p = link[w + HPREV]!;
    const n = link[w + HNEXT]!;
    if (p === NIL) sn.hlist[node] = n;
    else link[p * LINK_WORDS + HNEXT] = n;
    if (n !== NIL) link[n * LINK_WORDS + HPREV] = p;
    if (sn.hlist[node] !== NIL) this.sysfs.pagesSharing--;
    else this.sysfs.pagesShared--;
    this.slots.byMmId(it.mmOf(item)).merging--;
    sn.rmapHlistLen[node]!--;
    if (sn.where[node] === IS_DUP) sn.setFullEpoch(sn.chainOf[node]!, -1);
    link[w + HEAD] = NIL;
    it.flags[item]! &= ~STABLE_FLAG;
  }

  private leaveMigrateList(node: number, nid: number): void {
    this.migrateNodes.splice(this.migrateNodes.indexOf(node), 1);
    this.nodes.nid[node] = nid;
  }
}
