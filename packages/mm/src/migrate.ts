import { NO_PFN, type Pfn, PG_SWAPCACHE } from "./frames.js";
import type { Machine } from "./machine.js";
import type { Mm } from "./mm.js";
import { splitHugePage } from "./thp.js";

/**
 * `migrate_pages` for one folio: moves the page of `pfn` to NUMA node `node`. A THP is
 * split first; a new frame takes the content, flags, rmap anchor, swap-cache place and every
 * given mapping, and KSM is told (`KsmHooks.migrateKsm`, `folio_migrate_ksm`) so that the
 * stable node follows. Fails (`pgmigrate_fail`, NO_PFN) when the frame has references beyond
 * its mappings or `mappings` are not all of them; returns the new frame otherwise
 * (`pgmigrate_success`).
 */
export function migratePage(
  m: Machine,
  pfn: Pfn,
  node: number,
  mappings: readonly { mm: Mm; vpn: number }[],
): Pfn {
  m.epoch++;
  const f = m.frames;
  splitHugePage(m, pfn); // migrate_pages splits a THP it cannot move whole
  const swapped = f.flags[pfn]! & PG_SWAPCACHE ? 1 : 0;
  if (f.refcount[pfn] !== f.mapcount[pfn]! + swapped || mappings.length !== f.mapcount[pfn]) {
    m.vmstat.pgmigrate_fail++;
    return NO_PFN;
  }
  const ksm = f.isKsm(pfn);
  const to = f.alloc(f.content[pfn]!, node);
  f.flags[to] = f.flags[pfn]!;
  f.anonVma[to] = f.anonVma[pfn]!;
  f.index[to] = f.index[pfn]!;
  f.refcount[to] = swapped;
  if (ksm) m.hooks?.migrateKsm(pfn, to);
  if (swapped) {
    const slot = f.swapSlot(pfn);
    m.swap!.cache[slot] = to;
    f.setSwapSlot(to, slot);
    f.setSwapSlot(pfn, -1);
    f.flags[pfn]! &= ~PG_SWAPCACHE;
    f.put(pfn);
  }
  for (const { mm, vpn } of mappings) {
    mm.pt.set(vpn, to, mm.pt.bits(vpn));
    f.map(to);
    f.mapcount[pfn]!--;
    f.put(pfn);
  }
  m.vmstat.pgmigrate_success++;
  return to;
}
