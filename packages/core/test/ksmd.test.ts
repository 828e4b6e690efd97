import { describe, expect, it } from "vitest";
import { region, setup } from "./helpers.js";

describe("Ksmd", () => {
  it("scans at most pages_to_scan pages a batch, then sleeps sleep_millisecs", () => {
    const { machine, ksm } = setup({ pages_to_scan: 2, sleep_millisecs: 50 });
    region(machine, machine.createMm(), [1, 2, 3, 4, 5]);
    expect(ksm.ksmd.runBatch()).toBe(false);
    expect(ksm.counters().pages_scanned).toBe(2);
    expect(ksm.now).toBeGreaterThanOrEqual(50);
    const after1 = ksm.now;
    expect(ksm.ksmd.runBatch()).toBe(false);
    expect(ksm.now - after1).toBeGreaterThanOrEqual(50);
    expect(ksm.cpuNs).toBeGreaterThan(0);
    // pages 5 and the end of the full scan
    expect(ksm.ksmd.runBatch()).toBe(true);
    expect(ksm.counters()).toMatchObject({ pages_scanned: 5, full_scans: 1 });
  });

  it("runs full scans until the count is reached, or no mm is left", () => {
    const { machine, ksm } = setup({ pages_to_scan: 1 });
    const mm = machine.createMm();
    const vma = region(machine, mm, [1, 2, 3]);
    ksm.fullScans(3);
    expect(ksm.counters().full_scans).toBe(3);
    machine.madvise(mm, vma.start, vma.end, "unmergeable");
    ksm.fullScans(5);
    expect(ksm.hasSlots).toBe(false);
    expect(ksm.counters().full_scans).toBe(4);
  });
});
