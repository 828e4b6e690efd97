import { NIL } from "@ksm/contracts";
import {
  type ContentId,
  type Mm,
  PTE_DIRTY,
  PTE_PRESENT,
  PTE_SPECIAL,
  VM_MERGEABLE,
  ZERO_PFN,
} from "@ksm/mm";
import type { Ksm } from "./ksm.js";
import { STABLE_FLAG, UNSTABLE_FLAG } from "./rmap-item.js";

/** Why a page is or is not merged, as {@link PageExplainer} tells it. */
export const PAGE_REASONS = [
  /** Merged: the page is a KSM page, the first mapping of its stable node (`pages_shared`). */
  "ksm-page",
  /** Merged: it maps a KSM page someone else's page became (`pages_sharing`). */
  "sharer",
  /** Merged: a KSM-placed zero page (`use_zero_pages`, `ksm_zero_pages`). */
  "zero-page",
  /** No other page anywhere has its content: nothing to merge with. */
  "unique",
  /** Its checksum changed since ksmd's last visit (or that was the first visit): not a candidate yet. */
  "volatile",
  /** In the unstable tree, waiting for an identical page to be visited. */
  "unstable",
  /** ksmd has not visited it yet (no rmap_item). */
  "not-scanned",
  /** Smart scan passed over it at its last visit (it kept failing to merge). */
  "skipped",
  /** Its content's KSM pages are all at `max_page_sharing`, and no second page is left to start a new one. */
  "chain-full",
  /** Its VMA is not VM_MERGEABLE. */
  "vma-unmergeable",
] as const;

/** One of {@link PAGE_REASONS}. */
export type PageReason = (typeof PAGE_REASONS)[number];

/** Smart scan's skips granted at a visit of age `age` (`should_skip_rmap_item`). */
function skipsFor(age: number): number {
  return age <= 3 ? 1 : age <= 5 ? 2 : age <= 8 ? 4 : 8;
}

/**
 * Classifies pages from the model's state at one moment (read-only: build it, ask, drop
 * it; it does not follow later changes). Built in one pass over every mapped page and
 * stable node, then each {@link explain} is a few lookups.
 *
 * "skipped" is read from smart scan's per-item state (age and remaining skips), which tell
 * a skip from a visit exactly; with a scan policy other than the kernel's it is never given.
 */
export class PageExplainer {
  /** Mapped pages of VM_MERGEABLE VMAs per content. */
  private readonly mapped = new Map<ContentId, number>();
  /** Per content with KSM pages: whether one of them can take one more mapping. */
  private readonly stableRoom = new Map<ContentId, boolean>();
  /** rmap_item by mm id and address. */
  private readonly itemAt = new Map<number, Map<number, number>>();
  /** Stable node → its oldest item (the one counted in pages_shared). */
  private readonly oldest = new Map<number, number>();
  private readonly smartScan: boolean;

  constructor(private readonly ksm: Ksm) {
    const m = ksm.machine;
    const f = m.frames;
    for (const mm of m.mms.values())
      for (const vma of mm.vmas) {
        if (!(vma.flags & VM_MERGEABLE)) continue;
        for (let vpn = vma.start; vpn < vma.end; vpn++) {
          if (!(mm.pt.bits(vpn) & PTE_PRESENT)) continue;
          const c = f.content[mm.pt.pfn(vpn)]!;
          this.mapped.set(c, (this.mapped.get(c) ?? 0) + 1);
        }
        const items = new Map<number, number>();
        for (const it of ksm.rmapItems(mm)) items.set(ksm.items.addressOf(it), it);
        this.itemAt.set(mm.id, items);
      }
    const sn = ksm.nodes;
    const limit = ksm.profile.behaviour.chains ? ksm.knobs.max_page_sharing : Number.POSITIVE_INFINITY;
    for (let node = 0; node < sn.hlist.length; node++) {
      if (!sn.where[node] || sn.isChain(node)) continue;
      const kpfn = sn.kpfn(node);
      if (f.ksmNodeOf(kpfn) !== node) continue; // stale
      const c = f.content[kpfn]!;
      this.stableRoom.set(c, (this.stableRoom.get(c) ?? false) || sn.rmapHlistLen[node]! < limit);
      let last = NIL;
      for (let it = sn.hlist[node]!; it !== NIL; it = ksm.items.hnext(it)) last = it;
      this.oldest.set(node, last);
    }
    this.smartScan = ksm.kernelScan && ksm.knobs.smart_scan !== 0 && ksm.profile.behaviour.smartScan;
  }

  /** Why the page at `vpn` of `mm` is or is not merged; null when no page is mapped there. */
  explain(mm: Mm, vpn: number): PageReason | null {
    const bits = mm.pt.bits(vpn);
    if (!(bits & PTE_PRESENT)) return null;
    const vma = mm.findVma(vpn);
    if (!vma || !(vma.flags & VM_MERGEABLE)) return "vma-unmergeable";
    const pfn = mm.pt.pfn(vpn);
    if (pfn === ZERO_PFN) return bits & PTE_SPECIAL && bits & PTE_DIRTY ? "zero-page" : "not-scanned";
    const f = this.ksm.machine.frames;
    const item = this.itemAt.get(mm.id)?.get(vpn);
    if (f.isKsm(pfn)) {
      const node = f.ksmNode[pfn]!;
      return item !== undefined && this.oldest.get(node) === item ? "ksm-page" : "sharer";
    }
    if (item === undefined) return "not-scanned";
    const it = this.ksm.items;
    const content = f.content[pfn]!;
    const flags = it.flags[item]!;
    if (!(flags & (STABLE_FLAG | UNSTABLE_FLAG))) {
      // out of both trees: smart scan passed over it, or its checksum changed
      const age = it.age[item]!;
      const visitedAt = age === 255 ? 255 : age - 1;
      if (this.smartScan && visitedAt >= 3 && it.remainingSkips[item] !== skipsFor(visitedAt))
        return "skipped";
      return "volatile";
    }
    if ((this.mapped.get(content) ?? 0) <= 1) return "unique";
    if (this.stableRoom.get(content) === false) return "chain-full";
    return "unstable";
  }
}
