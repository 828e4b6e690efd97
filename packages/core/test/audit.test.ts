import { describe, expect, it } from "vitest";
import { merged, region, setup } from "./helpers.js";

describe("audit", () => {
  it("finds nothing wrong in a model ksmd has just scanned", () => {
    const { machine, ksm } = setup({ max_page_sharing: 2 });
    region(machine, machine.createMm(), [1, 1, 1, 1, 1, 2, 3]);
    ksm.fullScans(2);
    expect(ksm.counters().stable_node_chains).toBe(1);
    expect(ksm.audit(true)).toEqual([]);
  });

  it("reports counters that no longer add up per mm", () => {
    const { machine, ksm } = setup();
    region(machine, machine.createMm(), [1, 1]);
    ksm.fullScans(2);
    ksm.sysfs.pagesSharing += 1;
    expect(ksm.audit(false)).toEqual(["mms merge 2, counters say 3"]);
    ksm.sysfs.pagesSharing -= 3;
    expect(ksm.audit(false)).toContain("pages_sharing is -1");
  });

  it("after a full scan, reports an rmap_item of a stable node that does not map its page", () => {
    const { machine, ksm, mm, vma } = merged([1, 1]);
    machine.write(mm, vma.start + 1, machine.contents.pattern(9n)); // COW: counters are lazy
    expect(ksm.audit(false)).toEqual([]);
    expect(ksm.audit(true)).toHaveLength(1);
    expect(ksm.audit(true)[0]).toMatch(/^rmap_item \d+ of stable node \d+ does not map frame \d+$/);
  });
});
