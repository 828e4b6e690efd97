import { anonMappings, anonVmaPrepare } from "./anon-vma.js";
import { ZERO_CONTENT } from "./content.js";
import {
  type FrameTable,
  NO_PFN,
  type Pfn,
  PG_ANON,
  PG_ANON_EXCLUSIVE,
  PG_DIRTY,
  PG_SWAPBACKED,
  THP_ORDER,
  THP_PAGES,
  ZERO_PFN,
} from "./frames.js";
import type { Machine } from "./machine.js";
import type { Mm } from "./mm.js";
import { PTE_DIRTY, PTE_PRESENT, PTE_SPECIAL, PTE_WRITE, PTE_YOUNG } from "./page-table.js";
import { linearPageIndex, VM_HUGEPAGE, type Vma } from "./vma.js";

/**
 * `do_huge_pmd_anonymous_page`: a write fault at `vpn` of a VM_HUGEPAGE VMA whose aligned
 * 2 MiB around it lies inside the VMA and has no page table yet (pmd_none) gets a whole THP:
 * 512 zero-filled frames mapped writable by one PMD. Returns false (nothing done) where a THP
 * cannot go; the caller then faults in a 4 KiB page.
 */
export function thpFault(m: Machine, mm: Mm, vma: Vma, vpn: number): boolean {
  const base = vpn - (vpn & (THP_PAGES - 1));
  if (!(vma.flags & VM_HUGEPAGE) || base < vma.start || base + THP_PAGES > vma.end) return false;
  if (mm.pt.leaf(base, false)) return false;
  const f = m.frames;
  const head = f.allocThp(m.nodeFor(vma));
  const av = anonVmaPrepare(m, vma).id;
  for (let k = 0; k < THP_PAGES; k++) {
    const pfn = head + k;
    f.flags[pfn] = PG_ANON | PG_SWAPBACKED | PG_ANON_EXCLUSIVE | PG_DIRTY;
    f.mapcount[pfn] = 1;
    f.anonVma[pfn] = av;
    f.index[pfn] = linearPageIndex(vma, base + k);
    mm.pt.set(base + k, pfn, PTE_PRESENT | PTE_YOUNG | PTE_WRITE | PTE_DIRTY);
  }
  mm.pmdMapped.set(base >>> THP_ORDER, head >>> THP_ORDER);
  f.largeMapcounts.init(head >>> THP_ORDER, mm.id, 1);
  return true;
}

/**
 * `__split_huge_pmd`: the THP at leaf `key` of `mm` is mapped by 512 PTEs from now on
 * (`thp_split_pmd`); the folio stays whole. Its large mapcount gains the PTEs before it
 * loses the PMD, as the kernel counts them.
 */
export function splitPmd(m: Machine, mm: Mm, key: number): void {
  const block = mm.pmdMapped.get(key);
  if (block === undefined) return;
  mm.pmdMapped.delete(key);
  m.vmstat.thp_split_pmd++;
  m.frames.largeMapcounts.add(block, mm.id, THP_PAGES);
  m.frames.largeMapcounts.sub(block, mm.id, 1);
}

/**
 * Splits a PMD mapping that a VMA boundary at `vpn` would cut (`vma_adjust_trans_huge`, as
 * mprotect, madvise, munmap and mremap do when they split a VMA inside a THP).
 */
export function splitPmdAt(m: Machine, mm: Mm, vpn: number): void {
  if (vpn & (THP_PAGES - 1) && mm.pmdMapped.size) splitPmd(m, mm, vpn >>> THP_ORDER);
}

/**
 * `split_huge_page` of the folio holding `pfn`, as KSM does before it merges a subpage:
 * every PMD mapping of it is split (`thp_split_pmd` each), the folio becomes 512 order-0
 * pages (`thp_split_page`), and each zero-filled subpage is mapped by the shared zero page
 * instead and freed (`remap_page` with RMP_USE_SHARED_ZEROPAGE, as 6.18 does for anonymous
 * folios). Returns false when `pfn` is not in a THP.
 */
export function splitHugePage(m: Machine, pfn: Pfn): boolean {
  const f = m.frames;
  if (!f.isThp(pfn)) return false;
  m.epoch++;
  const head = f.thpHead(pfn);
  const block = head >>> THP_ORDER;
  for (const mm of m.mms.values()) for (const [key, b] of mm.pmdMapped) if (b === block) splitPmd(m, mm, key);
  m.vmstat.thp_split_page++;
  f.splitThp(head);
  for (let p = head; p < head + THP_PAGES; p++) {
    if (f.refcount[p] === 0 || f.content[p] !== ZERO_CONTENT) continue;
    for (const { mm, vpn } of anonMappings(m, p)) {
      mm.pt.set(vpn, ZERO_PFN, PTE_PRESENT | PTE_SPECIAL);
      f.mapcount[p]!--;
      f.put(p);
    }
  }
  return true;
}

/** Whether `pfn` is a THP subpage that `mm` maps at `vpn` through a PMD. */
export function pmdMaps(mm: Mm, vpn: number, pfn: Pfn): boolean {
  return pfn !== NO_PFN && mm.pmdMapped.get(vpn >>> THP_ORDER) === pfn >>> THP_ORDER;
}

/**
 * Whether the THP folio at `head` has no reference but one PMD mapping
 * (`folio_ref_count(folio) == 1` in `do_huge_pmd_wp_page`). A PMD mapping holds a
 * reference on each of the 512 frames here, and any PTE mapping one more on its frame, so
 * the folio's count is 1 exactly when every frame's is.
 */
export function onlyPmdReference(f: FrameTable, head: Pfn): boolean {
  for (let p = head; p < head + THP_PAGES; p++) if (f.refcount[p] !== 1) return false;
  return true;
}

/**
 * `__wp_can_reuse_large_anon_folio`: whether a write to a PTE-mapped page of the THP at
 * `head` that is not PageAnonExclusive may keep it. Only when the folio has more than one
 * mapping, no other MM may map it, and every reference to it is a mapping.
 */
export function canReuseLargeFolio(f: FrameTable, head: Pfn): boolean {
  const block = head >>> THP_ORDER;
  if (f.largeMapcounts.mapcount(block) <= 1 || f.largeMapcounts.maybeMappedShared(block)) return false;
  for (let p = head; p < head + THP_PAGES; p++) if (f.refcount[p] !== f.mapcount[p]) return false;
  return true;
}

/**
 * The reuse of `do_huge_pmd_wp_page`: `mm`'s PMD over `vpn` maps the THP at `head`
 * writable, dirty and young, and the folio is exclusive to it.
 */
export function reusePmd(m: Machine, mm: Mm, vpn: number, head: Pfn): void {
  const base = vpn - (vpn & (THP_PAGES - 1));
  for (let k = 0; k < THP_PAGES; k++) {
    m.frames.flags[head + k]! |= PG_ANON_EXCLUSIVE;
    mm.pt.setBits(base + k, mm.pt.bits(base + k) | PTE_WRITE | PTE_DIRTY | PTE_YOUNG);
  }
}

/** `AnonHugePages` of `/proc/PID/smaps_rollup`, kB: THPs the address space maps with a PMD. */
export function anonHugePagesKb(mm: Mm): number {
  return mm.pmdMapped.size * THP_PAGES * 4;
}
