import { type CostCounters, type KsmProfile, NIL } from "@ksm/contracts";
import { type Machine, type Mm, NO_PFN, type Pfn, PG_ANON, PG_DIRTY, PG_KSM, ZERO_PFN } from "@ksm/mm";
import type { PageChecksums } from "./checksum.js";
import { memcmpPages } from "./memcmp.js";
import { findMergeableVma, type MmSlots } from "./mm-slot.js";
import { type RmapItems, STABLE_FLAG, UNSTABLE_FLAG } from "./rmap-item.js";
import { ON_MIGRATE_LIST, type StableNodes } from "./stable-node.js";
import type { StableTree } from "./stable-tree.js";
import type { KsmSysfs } from "./sysfs.js";
import { breakCow } from "./unmerge.js";
import type { UnstableTree } from "./unstable-tree.js";

/**
 * `cmp_and_merge_page` and the `try_to_merge_*` family: what ksmd does with one page it
 * scans. A KSM page already accounted for is left alone; another page must keep its
 * checksum over two visits, may become the zero page (`use_zero_pages`), is looked up in
 * the stable tree, and else paired with an identical page of the unstable tree (the pair
 * becomes a new KSM page and stable node) or left waiting there.
 */
export class Merge {
  constructor(
    private readonly machine: Machine,
    private readonly items: RmapItems,
    private readonly nodes: StableNodes,
    private readonly slots: MmSlots,
    private readonly sysfs: KsmSysfs,
    private readonly profile: KsmProfile,
    private readonly checksums: PageChecksums,
    private readonly stable: StableTree,
    private readonly unstable: UnstableTree,
    private readonly spent: CostCounters,
  ) {}

  /** `cmp_and_merge_page`: the heart of ksmd, for the page `pfn` of rmap_item `item`. */
  cmpAndMergePage(pfn: Pfn, item: number): void {
    const f = this.machine.frames;
    const it = this.items;
    const sn = this.nodes;
    const stableNode = f.isKsm(pfn) ? f.ksmNode[pfn]! : NIL;
    if (stableNode !== NIL) {
      if (sn.where[stableNode] !== ON_MIGRATE_LIST && this.stable.migrated(stableNode))
        this.stable.queueMigrated(stableNode);
      if (
        sn.where[stableNode] !== ON_MIGRATE_LIST &&
        it.head(item) === stableNode &&
        it.flags[item]! & STABLE_FLAG
      )
        return;
    } else {
      this.removeRmapItemFromTree(item);
      if (this.profile.behaviour.stableSearchBeforeChecksum) {
        // before 6.11: a page equal to a KSM page merges at its first visit
        const kpfn = this.stable.search(pfn);
        if (kpfn !== NO_PFN) {
          if (this.tryToMergeWithKsmPage(item, pfn, kpfn)) this.stable.append(item, f.ksmNode[kpfn]!);
          return;
        }
        if (this.checksums.changed(item, f.content[pfn]!)) return;
        this.unstableMerge(item, pfn);
        return;
      }
      if (this.checksums.changed(item, f.content[pfn]!)) return;
      if (this.tryToMergeWithZeroPage(item, pfn)) return;
    }

    const kpfn = this.stable.search(pfn);
    if (kpfn === pfn && it.head(item) === stableNode && it.flags[item]! & STABLE_FLAG) return;
    this.removeRmapItemFromTree(item);
    if (kpfn !== NO_PFN) {
      if (this.tryToMergeWithKsmPage(item, pfn, kpfn)) this.stable.append(item, f.ksmNode[kpfn]!);
      return;
    }
    this.unstableMerge(item, pfn);
  }

  /** `remove_rmap_item_from_tree`: the item leaves whichever tree holds it. */
  removeRmapItemFromTree(item: number): void {
    const flags = this.items.flags[item]!;
    if (flags & STABLE_FLAG) this.stable.removeItem(item);
    else if (flags & UNSTABLE_FLAG) this.unstable.removeItem(item);
  }

  /** The unstable half of `cmp_and_merge_page`: pair with an identical unstable page, or wait in the tree. */
  private unstableMerge(item: number, pfn: Pfn): void {
    const match = this.unstable.searchInsert(item, pfn);
    const tree = match.item;
    if (tree === NIL) return;
    const treePfn = match.pfn;
    const f = this.machine.frames;
    if (f.isThp(pfn) && f.thpHead(pfn) === f.thpHead(treePfn)) {
      // Both pages are in one THP, so ksmd holds two references to it: split_huge_page
      // fails and nothing merges. With the tree page's reference dropped, ksmd then splits
      // the THP, for a merge at the next visit.
      this.machine.splitHugePage(pfn);
      return;
    }
    if (this.tryToMergeTwoPages(item, pfn, tree, treePfn)) {
      const node = this.stable.insert(pfn);
      this.stable.append(tree, node);
      this.stable.append(item, node);
    }
  }

  /**
   * `try_to_merge_with_zero_page` (`use_zero_pages`): whether `cmp_and_merge_page` is done
   * with the page: it now maps the zero page, or its VMA went away.
   */
  private tryToMergeWithZeroPage(item: number, pfn: Pfn): boolean {
    if (!this.sysfs.knobs.use_zero_pages || !this.profile.behaviour.zeroPages) return false;
    if (!this.checksums.maybeZero(item)) return false;
    const mm = this.slots.byMmId(this.items.mmOf(item)).mm;
    const addr = this.items.addressOf(item);
    if (!findMergeableVma(mm, addr)) return true;
    if (!this.tryToMergeOnePage(mm, addr, pfn, ZERO_PFN)) return false;
    this.sysfs.zeroPages++;
    return true;
  }

  /** `try_to_merge_one_page`: whether `pfn` now maps `kpfn`; `kpfn` NO_PFN makes `pfn` itself a KSM page. */
  private tryToMergeOnePage(mm: Mm, addr: number, pfn: Pfn, kpfn: Pfn): boolean {
    const m = this.machine;
    const f = m.frames;
    if (pfn === kpfn) return true;
    if (!(f.flags[pfn]! & PG_ANON)) return false;
    // a subpage of a THP: the folio is split first (a zero-filled subpage, this one too, then
    // maps the shared zero page, and write-protecting it fails)
    m.splitHugePage(pfn);
    if (!m.writeProtect(mm, addr, pfn)) return false;
    if (kpfn === NO_PFN) {
      f.flags[pfn]! |= PG_KSM | PG_DIRTY;
      f.ksmNode[pfn] = NIL;
      return true;
    }
    if (memcmpPages(m.contents, this.spent, f.content[pfn]!, f.content[kpfn]!) !== 0) return false;
    m.replacePage(mm, addr, pfn, kpfn);
    this.spent.merges++;
    return true;
  }

  /** `try_to_merge_with_ksm_page`: whether the item's page `pfn` now maps `kpfn` (the item then leaves its tree). */
  private tryToMergeWithKsmPage(item: number, pfn: Pfn, kpfn: Pfn): boolean {
    const mm = this.slots.byMmId(this.items.mmOf(item)).mm;
    const addr = this.items.addressOf(item);
    const vma = findMergeableVma(mm, addr);
    if (!vma) return false;
    if (!this.tryToMergeOnePage(mm, addr, pfn, kpfn)) return false;
    this.removeRmapItemFromTree(item);
    this.items.setAnonVma(item, vma.anonVma!.id);
    return true;
  }

  /**
   * `try_to_merge_two_pages`: whether `pfn` became a KSM page and the tree item's page
   * `treePfn` maps it; if only the first half worked, it is undone (`break_cow`).
   */
  private tryToMergeTwoPages(item: number, pfn: Pfn, tree: number, treePfn: Pfn): boolean {
    if (!this.tryToMergeWithKsmPage(item, pfn, NO_PFN)) return false;
    if (this.tryToMergeWithKsmPage(tree, treePfn, pfn)) return true;
    breakCow(this.machine, this.slots.byMmId(this.items.mmOf(item)).mm, this.items.addressOf(item));
    return false;
  }
}
