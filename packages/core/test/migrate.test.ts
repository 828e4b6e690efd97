import { NIL } from "@ksm/contracts";
import { Machine } from "@ksm/mm";
import { rbtreeIndex } from "@ksm/policy-index";
import { describe, expect, it } from "vitest";
import { Ksm } from "../src/index.js";
import { checksum, merged, region } from "./helpers.js";

describe("migration and memory hot-remove", () => {
  it("moves the stable node with its KSM page to the new frame (folio_migrate_ksm)", () => {
    const { machine, ksm, mm, vma } = merged([4, 4]);
    const kpfn = mm.pt.pfn(vma.start);
    const node = machine.frames.ksmNode[kpfn]!;
    const to = machine.migrate(kpfn, 0, [
      { mm, vpn: vma.start },
      { mm, vpn: vma.start + 1 },
    ]);
    expect(to).not.toBe(kpfn);
    expect(machine.frames.ksmNode[to]).toBe(node);
    expect(machine.frames.ksmNode[kpfn]).toBe(NIL);
    expect(ksm.nodes.kpfn(node)).toBe(to);
    expect(ksm.stable.ksmGetFolio(node)).toBe(to);
    ksm.fullScans(1);
    expect(ksm.counters()).toMatchObject({ pages_shared: 1, pages_sharing: 1 });
    expect(ksm.audit(true)).toEqual([]);
  });

  it("moves a migrated KSM page to its new node's tree when merge_across_nodes is 0", () => {
    const machine = new Machine({ nodes: 2 });
    const ksm = new Ksm({ machine, checksum, index: rbtreeIndex, nodes: 2 });
    for (const [k, v] of Object.entries({ smart_scan: 0, merge_across_nodes: 0, run: 1 }))
      expect(ksm.writeKnob(k as never, v)).toBe(0);
    const mm = machine.createMm();
    const vma = region(machine, mm, [4, 4]);
    ksm.fullScans(2);
    const kpfn = mm.pt.pfn(vma.start);
    const node = machine.frames.ksmNode[kpfn]!;
    expect(ksm.nodes.nid[node]).toBe(machine.frames.pageToNid(kpfn));
    const other = 1 - machine.frames.pageToNid(kpfn);
    const to = machine.migrate(kpfn, other, [
      { mm, vpn: vma.start },
      { mm, vpn: vma.start + 1 },
    ]);
    expect(ksm.stable.migrated(node)).toBe(true);
    ksm.fullScans(2);
    expect(machine.frames.ksmNode[to]).toBe(node);
    expect(ksm.nodes.nid[node]).toBe(other);
    expect(ksm.stable.migrateNodes).toEqual([]);
    expect(ksm.counters()).toMatchObject({ pages_shared: 1, pages_sharing: 1 });
  });

  it("prunes the stable nodes of offlined frames, leaving the others (ksm_check_stable_tree)", () => {
    const { machine, ksm, mm, vma } = merged([4, 4, 5, 5]);
    const gone = mm.pt.pfn(vma.start);
    const kept = mm.pt.pfn(vma.start + 2);
    ksm.offlineFrames((pfn) => pfn === gone);
    expect(ksm.nodes.count).toBe(1);
    expect(machine.frames.ksmNode[kept]).not.toBe(NIL);
    expect(ksm.counters()).toMatchObject({ pages_shared: 1, pages_sharing: 1 });
  });
});
