import { NIL, type ScanPolicy } from "@ksm/contracts";
import { Machine } from "@ksm/mm";
import { rbtreeIndex } from "@ksm/policy-index";
import { describe, expect, it } from "vitest";
import { Ksm } from "../src/index.js";
import { UNSTABLE_FLAG } from "../src/rmap-item.js";
import { checksum, region } from "./helpers.js";

describe("SmartScan (should_skip_rmap_item)", () => {
  it("lets a scan policy's skipPage decide, counting each skip and taking the item out of its tree", () => {
    let skipping = false;
    const asked: boolean[] = [];
    const policy: ScanPolicy = {
      name: "test",
      skipPage(visit, state) {
        asked.push(visit.ksm);
        state.age = 7;
        return skipping;
      },
    };
    const machine = new Machine();
    const ksm = new Ksm({ machine, checksum, index: rbtreeIndex, scan: policy });
    ksm.writeKnob("run", 1);
    const mm = machine.createMm();
    region(machine, mm, [1]);
    ksm.fullScans(2);
    const item = ksm.rmapItems(mm)[0]!;
    expect(ksm.items.flags[item]! & UNSTABLE_FLAG).toBeTruthy();
    expect(ksm.items.age[item]).toBe(7);
    skipping = true;
    ksm.fullScans(1);
    expect(ksm.counters()).toMatchObject({ pages_skipped: 1, pages_unshared: 0 });
    expect(ksm.items.flags[item]! & UNSTABLE_FLAG).toBe(0);
    expect(asked).toEqual([false, false, false]);
    expect(ksm.rmapItems(mm)).toHaveLength(1);
  });

  it("skips nothing with smart_scan 0 and no policy", () => {
    const machine = new Machine();
    const ksm = new Ksm({ machine, checksum, index: rbtreeIndex });
    ksm.writeKnob("smart_scan", 0);
    ksm.writeKnob("run", 1);
    region(machine, machine.createMm(), [1]);
    ksm.fullScans(30);
    expect(ksm.counters().pages_skipped).toBe(0);
  });
});
