import { Machine } from "@ksm/mm";
import { rbtreeIndex } from "@ksm/policy-index";
import { Rmap } from "@ksm/rmap";
import { describe, expect, it } from "vitest";
import { Ksm } from "../src/index.js";
import { checksum, region } from "./helpers.js";

function build() {
  const machine = new Machine();
  const rmap = new Rmap(machine);
  const ksm = new Ksm({ machine, checksum, index: rbtreeIndex, rmap });
  ksm.writeKnob("smart_scan", 0);
  ksm.writeKnob("run", 1);
  return { machine, rmap, ksm };
}

describe("KsmRmapWalker (rmap_walk_ksm)", () => {
  it("handles KSM pages only: another page is walked through its anon_vma", () => {
    const { machine, rmap, ksm } = build();
    const mm = machine.createMm();
    const vma = region(machine, mm, [6, 6, 7]);
    ksm.fullScans(2);
    const walked: number[] = [];
    const kpfn = mm.pt.pfn(vma.start);
    const plain = mm.pt.pfn(vma.start + 2);
    ksm.rmapWalkKsm(plain, { rmapOne: (_p, at) => walked.push(at.vpn) > 0 });
    expect(walked).toEqual([]);
    expect(rmap.mappings(plain).map((m) => m.vpn)).toEqual([vma.start + 2]);
    ksm.rmapWalkKsm(kpfn, { rmapOne: (_p, at) => walked.push(at.vpn) > 0 });
    expect(walked.sort()).toEqual([vma.start, vma.start + 1]);
    expect(ksm.cost().rmap_walks).toBe(1);
  });

  it("stops at the first mapping rmapOne refuses, or once done says so", () => {
    const { machine, ksm } = build();
    const mm = machine.createMm();
    const vma = region(machine, mm, [6, 6, 6]);
    ksm.fullScans(2);
    const kpfn = mm.pt.pfn(vma.start);
    let calls = 0;
    ksm.rmapWalkKsm(kpfn, { rmapOne: () => ++calls < 0 });
    expect(calls).toBe(1);
    calls = 0;
    ksm.rmapWalkKsm(kpfn, { rmapOne: () => ++calls > 0, done: () => calls === 2 });
    expect(calls).toBe(2);
  });
});
