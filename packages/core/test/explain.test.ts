import { describe, expect, it } from "vitest";
import { PAGE_REASONS, PageExplainer } from "../src/explain.js";
import { merged } from "./helpers.js";

describe("PageExplainer", () => {
  it("two equal pages after two scans: one is the KSM page (pages_shared), the other its sharer", () => {
    const { machine, ksm, mm, vma } = merged([1, 1, 2, null]);
    const ex = new PageExplainer(ksm);
    const pair = [ex.explain(mm, vma.start), ex.explain(mm, vma.start + 1)].sort();
    expect(pair).toEqual(["ksm-page", "sharer"]);
    expect(ksm.counters().pages_shared).toBe(1);
    expect(ksm.counters().pages_sharing).toBe(1);
    // seen twice with the same checksum, in the unstable tree, and no other page has its content
    expect(ex.explain(mm, vma.start + 2)).toBe("unique");
    // untouched: no page there
    expect(ex.explain(mm, vma.start + 3)).toBeNull();
    expect(machine.audit()).toEqual([]);
  });

  it("a page written since the last scan is not scanned; one changed between scans is volatile", () => {
    const { machine, ksm, mm, vma } = merged([3, 4, null]);
    machine.write(mm, vma.start + 2, machine.contents.pattern(9n));
    expect(new PageExplainer(ksm).explain(mm, vma.start + 2)).toBe("not-scanned");
    machine.write(mm, vma.start + 1, machine.contents.pattern(10n));
    ksm.fullScans(1);
    expect(new PageExplainer(ksm).explain(mm, vma.start + 1)).toBe("volatile");
  });

  it("a page of a VMA that is not VM_MERGEABLE is vma-unmergeable", () => {
    const { machine, ksm, mm } = merged([5]);
    const plain = machine.mmap(mm, 1);
    machine.write(mm, plain.start, machine.contents.pattern(5n));
    expect(new PageExplainer(ksm).explain(mm, plain.start)).toBe("vma-unmergeable");
  });

  it("names every reason once", () => {
    expect(new Set(PAGE_REASONS).size).toBe(PAGE_REASONS.length);
  });
});
