import { NIL } from "@ksm/contracts";
import { type Machine, PTE_PRESENT } from "@ksm/mm";
import type { MmSlots } from "./mm-slot.js";
import type { RmapItems } from "./rmap-item.js";
import type { StableNodes } from "./stable-node.js";
import type { KsmCounters } from "./sysfs.js";

/** What {@link auditKsm} reads: the model's state at one moment. */
export interface AuditedState {
  readonly machine: Machine;
  readonly slots: MmSlots;
  readonly items: RmapItems;
  readonly nodes: StableNodes;
  readonly counters: KsmCounters;
}

/**
 * Checks KSM's invariants and returns what is wrong (empty when all hold). Counters are
 * never negative and add up per mm; the dups of a chain hold one content; every live
 * stable node's page is still marked as its KSM page, and — right after a full scan,
 * when ksmd has revisited everything (`afterFullScan`) — every rmap_item on it maps it.
 */
export function auditKsm(state: AuditedState, afterFullScan: boolean): string[] {
  const out: string[] = [];
  const { counters: c, slots, items: it, nodes: sn } = state;
  for (const [k, v] of Object.entries(c)) if (k !== "general_profit" && v < 0) out.push(`${k} is ${v}`);
  let merging = 0;
  let items = 0;
  for (const slot of slots.values()) {
    merging += slot.merging;
    items += slot.rmapItems;
  }
  if (merging !== c.pages_shared + c.pages_sharing)
    out.push(`mms merge ${merging}, counters say ${c.pages_shared + c.pages_sharing}`);
  if (items !== it.count) out.push(`mms hold ${items} rmap_items, ${it.count} exist`);
  const f = state.machine.frames;
  for (let node = 0; node < sn.hlist.length; node++) {
    if (!sn.where[node]) continue;
    if (sn.isChain(node)) {
      let content = -1;
      for (let d = sn.hlist[node]!; d !== NIL; d = sn.dupNext[d]!) {
        const kp = sn.kpfn(d);
        if (f.ksmNodeOf(kp) !== d) continue;
        if (content === -1) content = f.content[kp]!;
        else if (f.content[kp] !== content) out.push(`chain ${node}: dups hold different contents`);
      }
      continue;
    }
    const kpfn = sn.kpfn(node);
    if (f.ksmNodeOf(kpfn) !== node) continue; // stale: cleaned when next walked over
    if (!afterFullScan) continue;
    for (let item = sn.hlist[node]!; item !== NIL; item = it.hnext(item)) {
      const mm = slots.byMmId(it.mmOf(item)).mm;
      if (mm.exiting) continue;
      const addr = it.addressOf(item);
      if (mm.pt.pfn(addr) !== kpfn || !(mm.pt.bits(addr) & PTE_PRESENT))
        out.push(`rmap_item ${item} of stable node ${node} does not map frame ${kpfn}`);
    }
  }
  return out;
}
