import type { ReclaimPolicy } from "@ksm/contracts";
import { type Machine, type Mm, NO_PFN, type Pfn, PG_ANON, PTE_PRESENT, PTE_SPECIAL } from "@ksm/mm";
import type { Rmap } from "@ksm/rmap";

/**
 * Reclaims one frame as the kernel's `shrink_folio_list` would: every mapper is found
 * through the rmap walk (KSM frames through `rmap_walk_ksm`, which also finds forked
 * children), its PTE becomes a swap entry, and the frame is freed. A KSM page leaves its
 * stable node stale; ksmd cleans that up lazily. Returns whether the frame was reclaimed.
 */
export function reclaimFrame(machine: Machine, rmap: Rmap, pfn: Pfn): boolean {
  return machine.swapOut(pfn, rmap.mappings(pfn));
}

/** The frame mapped at `vpn` if it is an ordinary (not zero-page) present page. */
export function frameAt(mm: Mm, vpn: number): Pfn {
  return (mm.pt.bits(vpn) & (PTE_PRESENT | PTE_SPECIAL)) === PTE_PRESENT ? mm.pt.pfn(vpn) : NO_PFN;
}

/** Swaps out the pages of [start, end) in `mm` (the scenario's `swapout` step). Returns how many frames went. */
export function swapOutRange(machine: Machine, rmap: Rmap, mm: Mm, start: number, end: number): number {
  let n = 0;
  for (let vpn = start; vpn < end; vpn++) {
    const pfn = frameAt(mm, vpn);
    if (pfn !== NO_PFN && reclaimFrame(machine, rmap, pfn)) n++;
  }
  return n;
}

/**
 * Reclaims with `policy` until `freePages` frames are free or nothing more can go (the
 * scenario's `pressure` step). Returns how many frames were reclaimed.
 */
export function reclaimUntilFree(
  machine: Machine,
  rmap: Rmap,
  policy: ReclaimPolicy,
  freePages: number,
): number {
  const f = machine.frames;
  const ctx = {
    allocSeq: (pfn: Pfn) => {
      if (!f.keepsAllocationOrder)
        throw new Error(
          `reclaim policy ${policy.name} reads the frames' allocation order, which this machine does not keep (MachineOptions.allocationOrder is false)`,
        );
      return f.allocSeq[pfn]!;
    },
    referenced: (pfn: Pfn) => rmap.folioReferenced(pfn) > 0,
  };
  let reclaimed = 0;
  while (machine.freePages < freePages) {
    const candidates: Pfn[] = [];
    for (let pfn = 1; pfn < f.size; pfn++)
      if (f.mapcount[pfn]! > 0 && f.flags[pfn]! & PG_ANON) candidates.push(pfn);
    const victims = policy.selectVictims(candidates, freePages - machine.freePages, ctx);
    let progress = 0;
    for (const pfn of victims) if (f.mapcount[pfn]! > 0 && reclaimFrame(machine, rmap, pfn)) progress++;
    if (progress === 0) break;
    reclaimed += progress;
  }
  return reclaimed;
}
