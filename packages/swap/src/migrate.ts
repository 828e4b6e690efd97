import type { Ksm } from "@ksm/core";
import { type Machine, type Mm, NO_PFN, PG_ANON } from "@ksm/mm";
import type { Rmap } from "@ksm/rmap";
import { frameAt } from "./reclaim.js";

/**
 * Migrates the pages of [start, end) in `mm` to NUMA node `node` (the scenario's `migrate`
 * step, like move_pages(2)). Every mapper is moved through the rmap walk; a KSM frame keeps
 * its stable node (`folio_migrate_ksm`), which ksmd re-files in the new node's tree when
 * merge_across_nodes is 0. Returns how many frames moved.
 */
export function migrateRange(
  machine: Machine,
  rmap: Rmap,
  mm: Mm,
  start: number,
  end: number,
  node: number,
): number {
  let n = 0;
  for (let vpn = start; vpn < end; vpn++) {
    const pfn = frameAt(mm, vpn);
    if (pfn === NO_PFN || machine.frames.pageToNid(pfn) === node) continue;
    if (machine.migrate(pfn, node, rmap.mappings(pfn)) !== NO_PFN) n++;
  }
  return n;
}

/**
 * Memory hot-remove of a NUMA node (the scenario's `offline` step): new pages go elsewhere,
 * every mapped frame on the node migrates to the first online node, and KSM prunes stable
 * nodes still pointing at the node's frames (`ksm_memory_callback`, MEM_OFFLINE).
 * Returns how many frames could not be moved.
 */
export function offlineNode(machine: Machine, rmap: Rmap, ksm: Ksm | null, node: number): number {
  machine.offline.add(node);
  let target = -1;
  for (let n = 0; n < machine.nodes; n++) if (!machine.offline.has(n)) target = target === -1 ? n : target;
  const f = machine.frames;
  let failed = 0;
  for (let pfn = 1; pfn < f.size; pfn++) {
    if (f.pageToNid(pfn) !== node || f.mapcount[pfn]! === 0 || !(f.flags[pfn]! & PG_ANON)) continue;
    if (target === -1 || machine.migrate(pfn, target, rmap.mappings(pfn)) === NO_PFN) failed++;
  }
  ksm?.offlineFrames((pfn) => f.pageToNid(pfn) === node);
  return failed;
}
