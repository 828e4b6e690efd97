import { PG_SWAPCACHE, THP_ORDER } from "./frames.js";
import type { Machine } from "./machine.js";
import { PTE_PRESENT, PTE_SPECIAL, PTE_SWAP } from "./page-table.js";

/**
 * Checks the machine's own invariants and returns what is wrong (empty when all hold):
 * every frame's mapcount equals the PTEs mapping it and its refcount that plus its swap
 * cache reference; no free frame is mapped; every swap slot's count equals the swap
 * entries referring to it; every THP folio's large mapcount equals the PMDs and PTEs
 * mapping it.
 */
export function auditMachine(m: Machine): string[] {
  const f = m.frames;
  const maps = new Int32Array(f.size);
  const slots = new Map<number, number>();
  const folioEntries = new Map<number, number>();
  const entry = (block: number) => folioEntries.set(block, (folioEntries.get(block) ?? 0) + 1);
  const out: string[] = [];
  for (const mm of m.mms.values()) {
    for (const block of mm.pmdMapped.values()) entry(block);
    for (const vma of mm.vmas)
      for (let vpn = vma.start; vpn < vma.end; vpn++) {
        const bits = mm.pt.bits(vpn);
        if (bits & PTE_SWAP) slots.set(mm.pt.pfn(vpn), (slots.get(mm.pt.pfn(vpn)) ?? 0) + 1);
        else if ((bits & (PTE_PRESENT | PTE_SPECIAL)) === PTE_PRESENT) {
          const pfn = mm.pt.pfn(vpn);
          maps[pfn]!++;
          if (f.isThp(pfn) && !mm.pmdMapped.has(vpn >>> THP_ORDER)) entry(pfn >>> THP_ORDER);
        }
      }
  }
  for (const [block, n] of folioEntries)
    if (f.largeMapcounts.mapcount(block) !== n)
      out.push(`THP block ${block}: large mapcount ${f.largeMapcounts.mapcount(block)}, ${n} entries`);
  for (let pfn = 1; pfn < f.size; pfn++) {
    if (f.isFree(pfn)) {
      if (maps[pfn]) out.push(`pfn ${pfn} is free but mapped ${maps[pfn]} times`);
      continue;
    }
    if (f.mapcount[pfn] !== maps[pfn])
      out.push(`pfn ${pfn}: mapcount ${f.mapcount[pfn]}, mapped ${maps[pfn]} times`);
    const cacheRef = f.flags[pfn]! & PG_SWAPCACHE ? 1 : 0;
    if (f.refcount[pfn] !== maps[pfn]! + cacheRef)
      out.push(`pfn ${pfn}: refcount ${f.refcount[pfn]}, expected ${maps[pfn]! + cacheRef}`);
  }
  for (const [slot, n] of slots)
    if (m.swap!.count[slot] !== n) out.push(`swap slot ${slot}: count ${m.swap!.count[slot]}, ${n} entries`);
  return out;
}
