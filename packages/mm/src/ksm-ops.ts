import {
  type FrameTable,
  NO_PFN,
  type Pfn,
  PG_ANON,
  PG_ANON_EXCLUSIVE,
  PG_DIRTY,
  PG_SWAPCACHE,
  ZERO_PFN,
} from "./frames.js";
import type { Mm } from "./mm.js";
import { PageTable, PTE_DIRTY, PTE_PRESENT, PTE_SPECIAL, PTE_WRITE, PTE_YOUNG } from "./page-table.js";

/**
 * `folio_walk` as KSM uses it: the anonymous frame mapped at `vpn`, or NO_PFN for an
 * empty PTE, a zero-page PTE or a non-anonymous page. ksmd calls it for every page it visits.
 */
export function followAnonPage(f: FrameTable, mm: Mm, vpn: number): Pfn {
  const leaf = mm.pt.leaf(vpn, false);
  if (!leaf) return NO_PFN;
  const slot = PageTable.slot(vpn);
  if ((leaf.bits[slot]! & (PTE_PRESENT | PTE_SPECIAL)) !== PTE_PRESENT) return NO_PFN;
  const pfn = leaf.pfn[slot]!;
  return f.flags[pfn]! & PG_ANON ? pfn : NO_PFN;
}

/**
 * `write_protect_page`: makes the PTE at `vpn` read-only and clean so the page can be
 * shared (a dirty PTE leaves the page PG_DIRTY). Fails when `pfn` is not mapped there or
 * has references beyond its mappings and the swap cache (pins, I/O in flight).
 */
export function writeProtectPage(f: FrameTable, mm: Mm, vpn: number, pfn: Pfn): boolean {
  const bits = mm.pt.bits(vpn);
  if (!(bits & PTE_PRESENT) || mm.pt.pfn(vpn) !== pfn) return false;
  if (bits & (PTE_WRITE | PTE_DIRTY) || f.flags[pfn]! & PG_ANON_EXCLUSIVE) {
    const swapped = f.flags[pfn]! & PG_SWAPCACHE ? 1 : 0;
    if (f.mapcount[pfn]! + swapped !== f.refcount[pfn]) return false;
    f.flags[pfn]! &= ~PG_ANON_EXCLUSIVE;
    if (bits & PTE_DIRTY) f.flags[pfn]! |= PG_DIRTY;
    mm.pt.setBits(vpn, bits & ~(PTE_WRITE | PTE_DIRTY));
  }
  return true;
}

/**
 * `replace_page`: maps `kpfn` (a KSM page, or the zero page) at `vpn` in place of `pfn`,
 * which loses that mapping. The zero page goes in as a special, dirty PTE: a KSM-placed
 * zero page, counted in `mm.ksmZeroPages`.
 */
export function replacePage(f: FrameTable, mm: Mm, vpn: number, pfn: Pfn, kpfn: Pfn): void {
  if (kpfn === ZERO_PFN) {
    mm.pt.set(vpn, ZERO_PFN, PTE_PRESENT | PTE_SPECIAL | PTE_DIRTY);
    mm.ksmZeroPages++;
  } else {
    f.map(kpfn);
    mm.pt.set(vpn, kpfn, PTE_PRESENT | PTE_YOUNG);
  }
  f.mapcount[pfn]!--;
  f.put(pfn);
}
