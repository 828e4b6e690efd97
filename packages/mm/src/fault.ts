import { anonVmaPrepare } from "./anon-vma.js";
import { type ContentId, ZERO_CONTENT } from "./content.js";
import {
  NO_PFN,
  PG_ANON,
  PG_ANON_EXCLUSIVE,
  PG_DIRTY,
  PG_SWAPBACKED,
  THP_ORDER,
  ZERO_PFN,
} from "./frames.js";
import type { Machine } from "./machine.js";
import type { Mm } from "./mm.js";
import { PTE_DIRTY, PTE_PRESENT, PTE_SPECIAL, PTE_SWAP, PTE_WRITE, PTE_YOUNG } from "./page-table.js";
import { swapIn } from "./swap.js";
import { canReuseLargeFolio, onlyPmdReference, pmdMaps, reusePmd, splitPmd, thpFault } from "./thp.js";
import { linearPageIndex, VM_WRITE, type Vma } from "./vma.js";

/**
 * A write fault (`handle_mm_fault` with FAULT_FLAG_WRITE) of the whole page at `vpn`: a
 * swap entry is swapped in first; a writable page is written in place; a read-only one is
 * reused when its only user writes it (`wp_can_reuse_anon_folio`; a page of a THP when the
 * folio is the writer's alone, {@link canReuseLargeFolio}) and copied otherwise
 * (`wp_page_copy`; a KSM page always, counting `cow_ksm`); a PMD-mapped THP is reused whole
 * when that PMD is all that references it, else the PMD is split and the one page copied
 * (`do_huge_pmd_wp_page`); untouched memory gets a THP where
 * one fits (`do_huge_pmd_anonymous_page`) or a new 4 KiB page (`do_anonymous_page`).
 */
export function writeFault(m: Machine, mm: Mm, vpn: number, content: ContentId): void {
  m.epoch++;
  const vma = vmaOrThrow(mm, vpn);
  if (mm.pt.bits(vpn) & PTE_SWAP) swapIn(m, mm, vma, vpn);
  const bits = mm.pt.bits(vpn);
  const f = m.frames;
  if (bits & PTE_PRESENT && !(bits & PTE_SPECIAL)) {
    const pfn = mm.pt.pfn(vpn);
    if (bits & PTE_WRITE) {
      f.content[pfn] = content;
      mm.pt.setBits(vpn, bits | PTE_DIRTY | PTE_YOUNG);
      return;
    }
    const ksm = f.isKsm(pfn);
    if (ksm) m.vmstat.cow_ksm++;
    else if (pmdMaps(mm, vpn, pfn)) {
      // do_huge_pmd_wp_page: the folio is reused whole when it is exclusive or its one
      // reference is this PMD; else the PMD is split and the one 4 KiB page copied
      const head = f.thpHead(pfn);
      if (f.flags[head]! & PG_ANON_EXCLUSIVE || onlyPmdReference(f, head)) {
        reusePmd(m, mm, vpn, head);
        f.content[pfn] = content;
        return;
      }
      splitPmd(m, mm, vpn >>> THP_ORDER);
    } else if (
      f.flags[pfn]! & PG_ANON_EXCLUSIVE ||
      (f.isThp(pfn) ? canReuseLargeFolio(f, f.thpHead(pfn)) : f.refcount[pfn] === 1)
    ) {
      // wp_can_reuse_anon_folio: the only user keeps the page.
      f.flags[pfn]! |= PG_ANON_EXCLUSIVE;
      f.content[pfn] = content;
      mm.pt.setBits(vpn, bits | PTE_WRITE | PTE_DIRTY | PTE_YOUNG);
      return;
    }
    mapNewAnonPage(m, mm, vma, vpn, content, PTE_WRITE | PTE_DIRTY);
    return;
  }
  if (bits & PTE_SPECIAL && bits & PTE_DIRTY) ksmZeroPageUnmapped(m, mm);
  if (!(bits & PTE_PRESENT) && thpFault(m, mm, vma, vpn)) {
    f.content[mm.pt.pfn(vpn)] = content;
    return;
  }
  mapNewAnonPage(m, mm, vma, vpn, content, PTE_WRITE | PTE_DIRTY);
}

/**
 * A read fault of the page at `vpn`, returning what it holds: a swap entry is swapped in;
 * untouched memory maps the shared zero page when `m.zeroPageOnRead` is set (the default,
 * as mainline) and a zero-filled page of its own otherwise.
 */
export function readFault(m: Machine, mm: Mm, vpn: number): ContentId {
  m.epoch++;
  const vma = vmaOrThrow(mm, vpn);
  if (mm.pt.bits(vpn) & PTE_SWAP) swapIn(m, mm, vma, vpn);
  const bits = mm.pt.bits(vpn);
  if (!(bits & PTE_PRESENT)) {
    if (m.zeroPageOnRead) mm.pt.set(vpn, ZERO_PFN, PTE_PRESENT | PTE_SPECIAL | PTE_YOUNG);
    else mapNewAnonPage(m, mm, vma, vpn, ZERO_CONTENT, vma.flags & VM_WRITE ? PTE_WRITE | PTE_DIRTY : 0);
    return ZERO_CONTENT;
  }
  return m.frames.content[mm.pt.pfn(vpn)]!;
}

/**
 * An unshare fault (`FAULT_FLAG_UNSHARE`, as `break_ksm` raises): a KSM page or a
 * KSM-placed zero page at `vpn` is replaced by a private, read-only copy.
 * Returns whether anything was unshared.
 */
export function unshareFault(m: Machine, mm: Mm, vma: Vma, vpn: number): boolean {
  m.epoch++;
  const bits = mm.pt.bits(vpn);
  if (!(bits & PTE_PRESENT)) return false;
  if (bits & PTE_SPECIAL) {
    if (!(bits & PTE_DIRTY)) return false;
    ksmZeroPageUnmapped(m, mm);
    mapNewAnonPage(m, mm, vma, vpn, ZERO_CONTENT, 0);
    return true;
  }
  const pfn = mm.pt.pfn(vpn);
  if (!m.frames.isKsm(pfn)) return false;
  m.vmstat.cow_ksm++;
  mapNewAnonPage(m, mm, vma, vpn, m.frames.content[pfn]!, 0);
  return true;
}

/**
 * Maps a new private anonymous frame holding `content` at `vpn` (`do_anonymous_page`, or
 * the copy of `wp_page_copy`), with `pteBits` beyond present and young; the frame mapped
 * there before, if any, loses that mapping.
 */
export function mapNewAnonPage(
  m: Machine,
  mm: Mm,
  vma: Vma,
  vpn: number,
  content: ContentId,
  pteBits: number,
): void {
  const old = mm.pt.bits(vpn) & PTE_PRESENT ? mm.pt.pfn(vpn) : NO_PFN;
  const pfn = m.frames.alloc(content, m.nodeFor(vma));
  const f = m.frames;
  f.flags[pfn] = PG_ANON | PG_SWAPBACKED | PG_ANON_EXCLUSIVE | (pteBits & PTE_DIRTY ? PG_DIRTY : 0);
  f.mapcount[pfn] = 1;
  f.anonVma[pfn] = anonVmaPrepare(m, vma).id;
  f.index[pfn] = linearPageIndex(vma, vpn);
  mm.pt.set(vpn, pfn, PTE_PRESENT | PTE_YOUNG | pteBits);
  if (old !== NO_PFN && old !== ZERO_PFN) {
    if (f.isThp(old)) f.largeMapcounts.sub(old >>> THP_ORDER, mm.id, 1);
    f.mapcount[old]!--;
    f.put(old);
  }
}

/** A KSM-placed zero page left `mm` (`ksm_might_unmap_zero_page`): one less, and KSM is told. */
export function ksmZeroPageUnmapped(m: Machine, mm: Mm): void {
  mm.ksmZeroPages--;
  m.hooks?.zeroPageUnmapped(mm);
}

/** The VMA holding `vpn`; touching memory outside every VMA is a SIGSEGV (RangeError). */
function vmaOrThrow(mm: Mm, vpn: number): Vma {
  const vma = mm.findVma(vpn);
  if (!vma) throw new RangeError(`mm ${mm.id}: no VMA at page ${vpn} (SIGSEGV)`);
  return vma;
}
