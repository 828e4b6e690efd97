import { type Machine, type Mm, type Pfn, PTE_PRESENT, PTE_SPECIAL, PTE_YOUNG, type Vma } from "@ksm/mm";

/** One place a frame is mapped. */
export interface Mapping {
  readonly mm: Mm;
  readonly vma: Vma;
  readonly vpn: number;
}

/**
 * `rmap_walk_control`: `rmapOne` is called for every mapping of the frame and returns
 * false to stop the walk; `done`, if given, is asked after each one.
 */
export interface RmapWalkControl {
  rmapOne(pfn: Pfn, at: Mapping): boolean;
  done?(pfn: Pfn): boolean;
}

/** A walker for a kind of frame (anonymous pages, KSM pages, …). */
export interface RmapWalker {
  /** Whether this walker handles the frame. */
  handles(pfn: Pfn): boolean;
  walk(pfn: Pfn, rwc: RmapWalkControl): void;
}

/**
 * Reverse mapping: from a frame to every (mm, address) that maps it. Anonymous frames are
 * walked through their anon_vma (`rmap_walk_anon`); other packages register walkers for
 * frames they own, as KSM does for its pages (`rmap_walk_ksm`). Registered walkers are
 * asked first.
 */
export class Rmap {
  private readonly walkers: RmapWalker[] = [];

  constructor(readonly machine: Machine) {}

  /** Adds a walker consulted before the anonymous one. */
  register(walker: RmapWalker): void {
    this.walkers.push(walker);
  }

  /** `rmap_walk`. */
  walk(pfn: Pfn, rwc: RmapWalkControl): void {
    for (const w of this.walkers) {
      if (w.handles(pfn)) {
        w.walk(pfn, rwc);
        return;
      }
    }
    this.walkAnon(pfn, rwc);
  }

  /**
   * Every mapping of the frame, in walk order, each once (a KSM walk can meet a forked
   * child's mapping through both the child's rmap_item and its parent's anon_vma; the
   * kernel's `rmap_one` would find the PTE already handled the second time).
   */
  mappings(pfn: Pfn): Mapping[] {
    const out: Mapping[] = [];
    const seen = new Set<string>();
    this.walk(pfn, {
      rmapOne: (_p, at) => {
        const key = `${at.mm.id}:${at.vpn}`;
        if (!seen.has(key)) {
          seen.add(key);
          out.push(at);
        }
        return true;
      },
    });
    return out;
  }

  /**
   * `try_to_unmap`: unmaps the frame from every mapping; `replace` gives the PTE each
   * mapping gets instead (a swap entry), or none to clear it. Returns whether the frame
   * is left unmapped.
   */
  tryToUnmap(pfn: Pfn, replace?: (at: Mapping) => { pfn: number; bits: number }): boolean {
    const f = this.machine.frames;
    for (const at of this.mappings(pfn)) {
      const pte = replace?.(at);
      if (pte) at.mm.pt.set(at.vpn, pte.pfn, pte.bits);
      else at.mm.pt.clear(at.vpn);
      f.mapcount[pfn]!--;
      f.put(pfn);
    }
    return f.isFree(pfn) || f.mapcount[pfn] === 0;
  }

  /** `folio_referenced`: how many mappings had the accessed bit set (it is cleared). */
  folioReferenced(pfn: Pfn): number {
    let referenced = 0;
    for (const at of this.mappings(pfn)) {
      const bits = at.mm.pt.bits(at.vpn);
      if (bits & PTE_YOUNG) {
        referenced++;
        at.mm.pt.setBits(at.vpn, bits & ~PTE_YOUNG);
      }
    }
    return referenced;
  }

  /** Whether `vma` of `mm` maps `pfn` at `vpn` (`page_vma_mapped_walk`). */
  maps(mm: Mm, vpn: number, pfn: Pfn): boolean {
    return (mm.pt.bits(vpn) & (PTE_PRESENT | PTE_SPECIAL)) === PTE_PRESENT && mm.pt.pfn(vpn) === pfn;
  }

  /** `rmap_walk_anon`: every VMA chained to the frame's anon_vma that maps it at its index. */
  private walkAnon(pfn: Pfn, rwc: RmapWalkControl): void {
    for (const mapping of this.machine.anonMappings(pfn)) {
      if (!rwc.rmapOne(pfn, mapping)) return;
      if (rwc.done?.(pfn)) return;
    }
  }
}
