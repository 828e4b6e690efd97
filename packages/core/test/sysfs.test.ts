import { EBUSY, EINVAL, PAGE_SIZE } from "@ksm/mm";
import { describe, expect, it } from "vitest";
import { LINUX_2_6_32, LINUX_6_18, RMAP_ITEM_SIZE } from "../src/index.js";
import { type KnobEffects, KsmSysfs } from "../src/sysfs.js";

/** Knob effects that record what they were asked to do; `busy` makes remove_all_stable_nodes fail. */
function effects(busy = false) {
  const calls: string[] = [];
  const fx: KnobEffects = {
    unmergeAll: () => calls.push("unmergeAll"),
    removeAllStableNodes: () => {
      calls.push("removeAllStableNodes");
      return busy ? EBUSY : 0;
    },
    resetAdvisor: () => calls.push("resetAdvisor"),
  };
  return { fx, calls };
}

describe("KsmSysfs", () => {
  it("refuses an out-of-range or malformed value with EINVAL and keeps the old one", () => {
    const sysfs = new KsmSysfs(LINUX_6_18);
    const { fx, calls } = effects();
    expect(sysfs.writeKnob("run", 3, fx)).toBe(EINVAL);
    expect(sysfs.writeKnob("max_page_sharing", 1, fx)).toBe(EINVAL);
    expect(sysfs.writeKnob("sleep_millisecs", "soon", fx)).toBe(EINVAL);
    expect(sysfs.writeKnob("advisor_mode", "fast", fx)).toBe(EINVAL);
    expect(sysfs.knobs).toMatchObject({
      run: 0,
      max_page_sharing: 256,
      sleep_millisecs: 20,
      advisor_mode: "none",
    });
    expect(calls).toEqual([]);
  });

  it("refuses a knob the profile's kernel lacks", () => {
    const sysfs = new KsmSysfs(LINUX_2_6_32);
    expect(sysfs.hasKnob("smart_scan")).toBe(false);
    expect(sysfs.writeKnob("smart_scan", 0, effects().fx)).toBe(EINVAL);
    expect(sysfs.writeKnob("pages_to_scan", 7, effects().fx)).toBe(0);
    expect(sysfs.knobs.pages_to_scan).toBe(7);
  });

  it("unmerges only when run gains the unmerge bit", () => {
    const sysfs = new KsmSysfs(LINUX_6_18);
    const { fx, calls } = effects();
    expect(sysfs.writeKnob("run", 1, fx)).toBe(0);
    expect(sysfs.writeKnob("run", 2, fx)).toBe(0);
    expect(sysfs.writeKnob("run", 2, fx)).toBe(0);
    expect(calls).toEqual(["unmergeAll"]);
  });

  it("answers EBUSY for max_page_sharing while pages are shared or stable nodes stay mapped", () => {
    const sysfs = new KsmSysfs(LINUX_6_18);
    sysfs.pagesShared = 1;
    const shared = effects();
    expect(sysfs.writeKnob("max_page_sharing", 3, shared.fx)).toBe(EBUSY);
    expect(shared.calls).toEqual([]);
    sysfs.pagesShared = 0;
    const busy = effects(true);
    expect(sysfs.writeKnob("merge_across_nodes", 0, busy.fx)).toBe(EBUSY);
    expect(busy.calls).toEqual(["removeAllStableNodes"]);
    expect(sysfs.knobs.merge_across_nodes).toBe(1);
    expect(sysfs.writeKnob("merge_across_nodes", 0, effects().fx)).toBe(0);
    expect(sysfs.knobs.merge_across_nodes).toBe(0);
  });

  it("refuses pages_to_scan while the advisor runs, and the advisor sets it", () => {
    const sysfs = new KsmSysfs(LINUX_6_18);
    const { fx, calls } = effects();
    expect(sysfs.writeKnob("advisor_mode", "scan-time", fx)).toBe(0);
    expect(sysfs.knobs.pages_to_scan).toBe(sysfs.knobs.advisor_min_pages_to_scan);
    expect(sysfs.writeKnob("pages_to_scan", 10, fx)).toBe(EINVAL);
    expect(calls).toEqual(["resetAdvisor"]);
  });

  it("derives pages_volatile and general_profit from the counters it keeps", () => {
    const sysfs = new KsmSysfs(LINUX_6_18);
    Object.assign(sysfs, { pagesShared: 2, pagesSharing: 5, pagesUnshared: 3, zeroPages: 4, seqnr: 9 });
    const c = sysfs.counters(20);
    expect(c.pages_volatile).toBe(20 - 2 - 5 - 3);
    expect(c.general_profit).toBe((5 + 4) * PAGE_SIZE - 20 * RMAP_ITEM_SIZE);
    expect(c.full_scans).toBe(9);
    expect(sysfs.counters(1).pages_volatile).toBe(0);
  });
});
