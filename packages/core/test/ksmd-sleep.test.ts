import { Machine } from "@ksm/mm";
import { rbtreeIndex } from "@ksm/policy-index";
import { describe, expect, it } from "vitest";
import { KERNEL_HZ, Ksm, ksmdSleepMs, ksmdWakeMs, LINUX_6_18, msecsToJiffies } from "../src/index.js";
import { checksum, region, setup } from "./helpers.js";

describe("ksmd's sleep in jiffies", () => {
  it("rounds sleep_millisecs up to whole jiffies (msecs_to_jiffies)", () => {
    expect(KERNEL_HZ).toBe(250);
    expect([0, 1, 4, 5, 10, 20, 21, 1000].map((ms) => msecsToJiffies(ms))).toEqual([
      0, 1, 1, 2, 3, 5, 6, 250,
    ]);
    expect(msecsToJiffies(10, 1000)).toBe(10);
    expect(msecsToJiffies(10, 100)).toBe(1);
    expect(msecsToJiffies(1, 300)).toBe(1);
    // and the timer wheel's one tick more
    expect(ksmdSleepMs(10)).toBe(16);
    expect(ksmdSleepMs(20)).toBe(24);
    expect(ksmdSleepMs(1)).toBe(8);
    expect(ksmdSleepMs(0)).toBe(0);
  });

  it("wakes on the tick msecs_to_jiffies + 1 ticks after the one the sleep began in", () => {
    // at HZ 250 ticks are 4 ms apart: 10 ms is 3 jiffies, the timer fires at the 4th tick
    expect(ksmdWakeMs(0, 10)).toBe(16);
    expect(ksmdWakeMs(1.5, 10)).toBe(16); // the batch's CPU time inside the jiffy is hidden
    expect(ksmdWakeMs(4, 10)).toBe(20);
    expect(ksmdWakeMs(7.99, 20)).toBe(28);
    expect(ksmdWakeMs(100, 1, 100)).toBe(120);
    // sleep_millisecs 0: no wait at all
    expect(ksmdWakeMs(3.25, 0)).toBe(3.25);
  });

  it("lands exactly on ticks however long the run (no drift from float ticks)", () => {
    let now = 0;
    for (let i = 0; i < 10_000; i++) now = ksmdWakeMs(now, 10, 300);
    expect(now).toBeCloseTo((10_000 * 4 * 1000) / 300, 6);
  });

  it("paces ksmd's batches on the simulated clock", () => {
    const { machine, ksm } = setup({ pages_to_scan: 1, sleep_millisecs: 10 });
    region(machine, machine.createMm(), [1, 2, 3, 4]);
    const wakes: number[] = [];
    for (let i = 0; i < 4; i++) {
      ksm.ksmd.runBatch();
      wakes.push(ksm.now);
    }
    expect(wakes).toEqual([16, 32, 48, 64]);
  });

  it("counts the sleeps in the profile's jiffies", () => {
    const machine = new Machine();
    const ksm = new Ksm({ machine, checksum, index: rbtreeIndex, profile: { ...LINUX_6_18, hz: 1000 } });
    for (const [k, v] of Object.entries({ smart_scan: 0, pages_to_scan: 1, sleep_millisecs: 10, run: 1 }))
      ksm.writeKnob(k as never, v);
    region(machine, machine.createMm(), [1, 2]);
    ksm.ksmd.runBatch();
    ksm.ksmd.runBatch();
    expect(ksm.now).toBe(22); // 10 jiffies of 1 ms and one more, twice
  });
});
