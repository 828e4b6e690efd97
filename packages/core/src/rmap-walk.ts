import { type CostCounters, NIL } from "@ksm/contracts";
import type { Machine, Pfn } from "@ksm/mm";
import type { RmapWalkControl, RmapWalker } from "@ksm/rmap";
import type { RmapItems } from "./rmap-item.js";
import type { StableNodes } from "./stable-node.js";

/**
 * `rmap_walk_ksm`: the reverse mapping of KSM pages, registered with `@ksm/rmap` as the
 * walker of every frame that is a KSM page. It goes through the rmap_items of the page's
 * stable node: first the VMA of each item's own mm, then (`search_new_forks`) VMAs of other
 * mms chained to the same anon_vma, which forked children since ksmd last passed.
 */
export class KsmRmapWalker implements RmapWalker {
  constructor(
    private readonly machine: Machine,
    private readonly nodes: StableNodes,
    private readonly items: RmapItems,
    private readonly spent: CostCounters,
  ) {}

  /** Whether the frame is a KSM page. */
  handles(pfn: Pfn): boolean {
    return this.machine.frames.isKsm(pfn);
  }

  /** Calls `rwc.rmapOne` for every mapping of the KSM page `pfn`, until it or `rwc.done` says stop. */
  walk(pfn: Pfn, rwc: RmapWalkControl): void {
    const m = this.machine;
    const node = m.frames.ksmNodeOf(pfn);
    if (node === NIL) return;
    this.spent.rmap_walks++;
    const it = this.items;
    for (let searchNewForks = 0; searchNewForks < 2; searchNewForks++) {
      for (let item = this.nodes.hlist[node]!; item !== NIL; item = it.hnext(item)) {
        const av = m.anonVmas.get(it.anonVma(item));
        if (!av) continue;
        const vpn = it.addressOf(item);
        for (const vma of av.vmas) {
          if (vpn < vma.start || vpn >= vma.end) continue;
          if ((vma.mmId === it.mmOf(item)) === (searchNewForks === 1)) continue;
          const mm = m.mms.get(vma.mmId);
          if (!mm || mm.pt.pfn(vpn) !== pfn) continue;
          if (!rwc.rmapOne(pfn, { mm, vma, vpn })) return;
          if (rwc.done?.(pfn)) return;
        }
      }
    }
  }
}
