import { NIL } from "@ksm/contracts";
import { MMF_VM_MERGEABLE } from "@ksm/mm";
import { describe, expect, it } from "vitest";
import { region, setup } from "./helpers.js";

describe("KsmScan (the scan cursor)", () => {
  it("walks each mm's mergeable pages in address order, mm after mm, then ends the full scan", () => {
    const { machine, ksm } = setup();
    const a = machine.createMm();
    const b = machine.createMm();
    const va = region(machine, a, [1, null, 2]);
    const vb = region(machine, b, [3]);
    const seen: string[] = [];
    const first = ksm.scan.next();
    for (let hit = first; hit.item !== NIL; hit = ksm.scan.next()) {
      expect(hit).toBe(first); // one result object, reused
      const mm = ksm.items.mmOf(hit.item);
      const addr = ksm.items.addressOf(hit.item);
      seen.push(`${mm}:${addr - (mm === a.id ? va.start : vb.start)}`);
      expect(hit.pfn).toBe((mm === a.id ? a : b).pt.pfn(addr));
    }
    expect(seen).toEqual([`${a.id}:0`, `${a.id}:2`, `${b.id}:0`]);
    expect(ksm.counters().full_scans).toBe(1);
    expect(ksm.stat(a).ksm_rmap_items).toBe(2);
  });

  it("frees the rmap_item of a page that is gone when it passes its address", () => {
    const { machine, ksm } = setup();
    const mm = machine.createMm();
    const vma = region(machine, mm, [1, 2, 3]);
    const start = vma.start; // the Vma object shrinks as munmap splits it
    ksm.fullScans(1);
    expect(ksm.stat(mm).ksm_rmap_items).toBe(3);
    machine.munmap(mm, start + 1, start + 2);
    ksm.fullScans(1);
    expect(ksm.stat(mm).ksm_rmap_items).toBe(2);
    machine.munmap(mm, start + 2, start + 3);
    ksm.fullScans(1);
    expect(ksm.stat(mm).ksm_rmap_items).toBe(1); // the trailing item went as the cursor left the mm
  });

  it("drops an mm left with nothing mergeable at the end of its scan", () => {
    const { machine, ksm } = setup();
    const mm = machine.createMm();
    const vma = region(machine, mm, [1, 2]);
    ksm.fullScans(1);
    machine.madvise(mm, vma.start, vma.end, "unmergeable");
    expect(ksm.hasSlots).toBe(true);
    ksm.fullScans(1);
    expect(ksm.hasSlots).toBe(false);
    expect(mm.flags & MMF_VM_MERGEABLE).toBe(0);
    expect(ksm.stat(mm).ksm_rmap_items).toBe(0);
  });
});
