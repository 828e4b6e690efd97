import { unlinkAnonVmas } from "./anon-vma.js";
import { ksmZeroPageUnmapped } from "./fault.js";
import { THP_ORDER, THP_PAGES } from "./frames.js";
import type { Machine, MmapOptions } from "./machine.js";
import type { Mm } from "./mm.js";
import { PTE_DIRTY, PTE_PRESENT, PTE_SPECIAL, PTE_SWAP } from "./page-table.js";
import { swapFree } from "./swap.js";
import { splitPmd, splitPmdAt } from "./thp.js";
import { linearPageIndex, VM_READ, VM_WRITE, type Vma } from "./vma.js";

/**
 * `mmap_region` of `pages` of private anonymous memory at page `start`, as
 * mmap(addr, …, MAP_FIXED_NOREPLACE): a RangeError where anything is mapped already. KSM
 * chooses the flags of the new VMA (`ksm_vma_flags`: merge-any marks it mergeable).
 */
export function mmapRegion(m: Machine, mm: Mm, start: number, pages: number, opts: MmapOptions = {}): Vma {
  if (!Number.isInteger(pages) || pages <= 0) throw new RangeError("mmap needs a positive page count");
  const i = mm.firstVmaAfter(start);
  if (mm.vmas[i] && mm.vmas[i]!.start < start + pages)
    throw new RangeError(`mm ${mm.id}: page ${start} is mapped`);
  let flags = VM_READ | VM_WRITE | (opts.flags ?? 0);
  if (m.hooks) flags = m.hooks.vmaFlags(mm, flags);
  const vma: Vma = {
    mmId: mm.id,
    start,
    end: start + pages,
    flags,
    pgoff: start,
    anonVma: null,
    chain: [],
    node: opts.node ?? 0,
  };
  mm.vmas.splice(i, 0, vma);
  return vma;
}

/** munmap(2) of [start, end): whole VMAs or parts of them (split first); holes are fine. */
export function munmap(m: Machine, mm: Mm, start: number, end: number): void {
  m.epoch++;
  splitVma(m, mm, start);
  splitVma(m, mm, end);
  const keep: Vma[] = [];
  for (const vma of mm.vmas) {
    if (vma.start >= start && vma.end <= end) unmapVma(m, mm, vma);
    else keep.push(vma);
  }
  mm.vmas.length = 0;
  mm.vmas.push(...keep);
}

/** `exit_mmap`: the process exits; KSM is told first (`ksm_exit`), then every mapping is torn down. */
export function exitMmap(m: Machine, mm: Mm): void {
  m.epoch++;
  m.hooks?.exit(mm);
  mm.users = 0;
  for (const vma of mm.vmas) unmapVma(m, mm, vma);
  mm.vmas.length = 0;
  m.mms.delete(mm.id);
}

/** `split_vma`: makes `vpn` the start of a VMA if a VMA spans it (a PMD mapping there is split). */
export function splitVma(m: Machine, mm: Mm, vpn: number): void {
  const vma = mm.findVma(vpn);
  if (!vma || vma.start === vpn) return;
  splitPmdAt(m, mm, vpn);
  const tail: Vma = {
    ...vma,
    start: vpn,
    pgoff: linearPageIndex(vma, vpn),
    chain: [...vma.chain],
  };
  for (const av of vma.chain) av.vmas.add(tail);
  vma.end = vpn;
  mm.vmas.splice(mm.vmas.indexOf(vma) + 1, 0, tail);
}

/** `unmap_vmas` + `free_pgtables` of one VMA: its pages go and it leaves its anon_vmas. */
function unmapVma(m: Machine, mm: Mm, vma: Vma): void {
  zapRange(m, mm, vma.start, vma.end);
  unlinkAnonVmas(vma);
}

/**
 * `zap_pte_range`: drops every mapping and swap entry of [start, end), which lie inside
 * VMAs of `mm` (a THP wholly inside goes with its PMD; one the range cuts is split).
 */
export function zapRange(m: Machine, mm: Mm, start: number, end: number): void {
  m.epoch++;
  const f = m.frames;
  // zap_pmd_range: a THP wholly inside the range goes with its PMD; one the range cuts is split
  const zappedWhole = new Set<number>();
  for (const [key, block] of mm.pmdMapped) {
    const base = key << THP_ORDER;
    if (base + THP_PAGES <= start || base >= end) continue;
    if (base >= start && base + THP_PAGES <= end) {
      // zap_huge_pmd: one entry of the folio's large mapcount; its frames go below
      mm.pmdMapped.delete(key);
      f.largeMapcounts.sub(block, mm.id, 1);
      zappedWhole.add(key);
    } else splitPmd(m, mm, key);
  }
  for (let vpn = start; vpn < end; vpn++) {
    const bits = mm.pt.bits(vpn);
    if (bits & PTE_SWAP) {
      const slot = mm.pt.pfn(vpn);
      mm.pt.clear(vpn);
      swapFree(m, slot);
      continue;
    }
    if (!(bits & PTE_PRESENT)) continue;
    if (bits & PTE_SPECIAL) {
      if (bits & PTE_DIRTY) ksmZeroPageUnmapped(m, mm);
    } else {
      const pfn = mm.pt.pfn(vpn);
      if (f.isThp(pfn) && !zappedWhole.has(vpn >>> THP_ORDER))
        f.largeMapcounts.sub(pfn >>> THP_ORDER, mm.id, 1);
      f.mapcount[pfn]!--;
      f.put(pfn);
    }
    mm.pt.clear(vpn);
  }
}
