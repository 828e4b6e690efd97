import { anonVmaFork } from "./anon-vma.js";
import { PG_ANON_EXCLUSIVE, THP_ORDER } from "./frames.js";
import type { Machine } from "./machine.js";
import { MMF_VM_MERGE_ANY, type Mm } from "./mm.js";
import { PTE_DIRTY, PTE_PRESENT, PTE_SPECIAL, PTE_SWAP, PTE_WRITE, PTE_YOUNG } from "./page-table.js";
import { pmdMaps } from "./thp.js";
import type { Vma } from "./vma.js";

/**
 * fork(): a new address space (`dup_mmap`) with a copy of every VMA, chained to its
 * parent's anon_vmas (`anon_vma_fork`), sharing every anonymous page copy-on-write (both
 * PTEs read-only, the page no longer exclusive), every swap entry (`swap_duplicate`), every
 * KSM-placed zero page and every PMD-mapped THP. KSM is told last (`ksm_fork`).
 */
export function fork(m: Machine, parent: Mm): Mm {
  m.epoch++;
  const child = m.createMm();
  child.flags = parent.flags & MMF_VM_MERGE_ANY;
  child.mmapTop = parent.mmapTop;
  const f = m.frames;
  for (const pv of parent.vmas) {
    const cv: Vma = { ...pv, mmId: child.id, anonVma: null, chain: [] };
    anonVmaFork(m, pv, cv);
    child.vmas.push(cv);
    for (let vpn = pv.start; vpn < pv.end; vpn++) {
      const bits = parent.pt.bits(vpn);
      if (bits & PTE_SWAP) {
        m.swap!.dup(parent.pt.pfn(vpn));
        child.pt.set(vpn, parent.pt.pfn(vpn), bits);
        continue;
      }
      if (!(bits & PTE_PRESENT)) continue;
      const pfn = parent.pt.pfn(vpn);
      if (bits & PTE_SPECIAL) {
        if (bits & PTE_DIRTY) child.ksmZeroPages++;
      } else {
        f.map(pfn);
        f.flags[pfn]! &= ~PG_ANON_EXCLUSIVE;
        if (f.isThp(pfn) && !pmdMaps(parent, vpn, pfn)) f.largeMapcounts.add(pfn >>> THP_ORDER, child.id, 1);
        if (bits & PTE_WRITE) parent.pt.setBits(vpn, bits & ~PTE_WRITE);
      }
      child.pt.set(vpn, pfn, bits & ~(PTE_WRITE | PTE_YOUNG));
    }
  }
  // copy_huge_pmd: the child maps each THP with a PMD too
  for (const [key, block] of parent.pmdMapped) {
    child.pmdMapped.set(key, block);
    f.largeMapcounts.add(block, child.id, 1);
  }
  m.hooks?.fork(parent, child);
  return child;
}
