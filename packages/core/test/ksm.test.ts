import { Machine } from "@ksm/mm";
import { rbtreeIndex } from "@ksm/policy-index";
import { Rmap } from "@ksm/rmap";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Ksm } from "../src/index.js";
import { checksum, region, setup } from "./helpers.js";

describe("Ksm", () => {
  it("needs two full scans: the first only records checksums", () => {
    const { machine, ksm } = setup();
    region(machine, machine.createMm(), [1, 1, 1, 1]);
    ksm.fullScans(1);
    expect(ksm.counters()).toMatchObject({
      pages_shared: 0,
      pages_sharing: 0,
      pages_volatile: 4,
      full_scans: 1,
    });
    ksm.fullScans(1);
    expect(ksm.counters()).toMatchObject({ pages_shared: 1, pages_sharing: 3, pages_volatile: 0 });
  });

  it("shares N copies as the kernel selftest formula says, for any max_page_sharing", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 2, max: 8 }), (n, m) => {
        const { machine, ksm } = setup({ max_page_sharing: m, stable_node_chains_prune_millisecs: 0 });
        region(machine, machine.createMm(), new Array(n).fill(3));
        ksm.fullScans(2);
        const rem = n % m;
        const shared = rem <= 1 ? Math.floor(n / m) : Math.floor(n / m) + 1;
        const sharing = rem <= 1 ? shared * (m - 1) : n - shared;
        const c = ksm.counters();
        expect([c.pages_shared, c.pages_sharing]).toEqual([shared, sharing]);
        expect(c.stable_node_dups).toBe(shared > 1 ? shared : 0);
        expect(c.stable_node_chains).toBe(shared > 1 ? 1 : 0);
      }),
      { numRuns: 60 },
    );
  });

  it("keeps counters lazy: a COW break shows only when ksmd comes back", () => {
    const { machine, ksm } = setup();
    const mm = machine.createMm();
    const vma = region(machine, mm, [5, 5, 5]);
    ksm.fullScans(2);
    expect(ksm.counters().pages_sharing).toBe(2);
    machine.write(mm, vma.start, machine.contents.pattern(9n));
    expect(machine.vmstat.cow_ksm).toBe(1);
    expect(ksm.counters().pages_sharing).toBe(2);
    ksm.fullScans(1);
    expect(ksm.counters()).toMatchObject({ pages_shared: 1, pages_sharing: 1, pages_volatile: 1 });
  });

  it("unmerges everything on run=2 and resets full_scans", () => {
    const { machine, ksm } = setup();
    const mm = machine.createMm();
    region(machine, mm, [2, 2, 2, 2]);
    ksm.fullScans(2);
    const framesBefore = machine.frames.allocated;
    expect(ksm.writeKnob("run", 2)).toBe(0);
    expect(ksm.counters()).toMatchObject({
      pages_shared: 0,
      pages_sharing: 0,
      full_scans: 0,
      pages_volatile: 0,
    });
    expect(machine.frames.allocated).toBe(framesBefore + 3);
    expect(ksm.stat(mm)).toMatchObject({ ksm_rmap_items: 0, ksm_mergeable: "yes" });
  });

  it("refuses max_page_sharing and merge_across_nodes changes while pages are shared", () => {
    const { machine, ksm } = setup();
    region(machine, machine.createMm(), [2, 2]);
    ksm.fullScans(2);
    expect(ksm.writeKnob("max_page_sharing", 3)).toBe(-16);
    expect(ksm.writeKnob("merge_across_nodes", 0)).toBe(-16);
    expect(ksm.writeKnob("max_page_sharing", 256)).toBe(0);
    expect(ksm.writeKnob("max_page_sharing", 1)).toBe(-22);
    ksm.writeKnob("run", 2);
    expect(ksm.writeKnob("max_page_sharing", 3)).toBe(0);
  });

  it("skips a page that never merges on the kernel's smart-scan schedule", () => {
    const { machine, ksm } = setup({ smart_scan: 1 });
    const mm = machine.createMm();
    const vma = machine.mmap(mm, 1);
    machine.write(mm, vma.start, machine.contents.unique());
    machine.madvise(mm, vma.start, vma.end, "mergeable");
    const skipped: boolean[] = [];
    for (let visit = 1; visit <= 23; visit++) {
      const before = ksm.counters().pages_skipped;
      ksm.fullScans(1);
      skipped.push(ksm.counters().pages_skipped > before);
    }
    const pattern = skipped.map((s) => (s ? "s" : "p")).join("");
    // visits 1-4 processed, 5 skipped, 6, 7-8 skipped, 9, 10-13 skipped, 14, then 8 skipped / 1 processed
    expect(pattern).toBe("ppppsp" + "ssp" + "sssspssssssssp");
  });

  it("merges zero pages with the zero page when use_zero_pages is on, and counts them immediately on write", () => {
    const { machine, ksm } = setup({ use_zero_pages: 1 });
    const mm = machine.createMm();
    const vma = machine.mmap(mm, 3);
    for (let i = 0; i < 3; i++) machine.write(mm, vma.start + i, 0);
    machine.madvise(mm, vma.start, vma.end, "mergeable");
    ksm.fullScans(2);
    expect(ksm.counters()).toMatchObject({ ksm_zero_pages: 3, pages_shared: 0 });
    expect(ksm.stat(mm).ksm_zero_pages).toBe(3);
    machine.write(mm, vma.start, machine.contents.pattern(1n));
    expect(ksm.counters().ksm_zero_pages).toBe(2);
    machine.madvise(mm, vma.start + 1, vma.start + 2, "unmergeable");
    expect(ksm.counters().ksm_zero_pages).toBe(1);
  });

  it("lets a forked child's KSM mappings exceed max_page_sharing", () => {
    const { machine, ksm } = setup({ max_page_sharing: 2 });
    const mm = machine.createMm();
    region(machine, mm, [4, 4]);
    ksm.fullScans(2);
    expect(ksm.counters()).toMatchObject({ pages_shared: 1, pages_sharing: 1 });
    const child = machine.fork(mm);
    ksm.fullScans(1);
    expect(ksm.counters()).toMatchObject({ pages_shared: 1, pages_sharing: 3 });
    expect(ksm.stat(child)).toMatchObject({ ksm_merging_pages: 2, ksm_rmap_items: 2 });
  });

  it("walks every mapping of a KSM page, forked children included", () => {
    const machine = new Machine();
    const rmap = new Rmap(machine);
    const ksm = new Ksm({ machine, checksum, index: rbtreeIndex, rmap });
    ksm.writeKnob("smart_scan", 0);
    ksm.writeKnob("run", 1);
    const a = machine.createMm();
    const va = region(machine, a, [6, 6]);
    ksm.fullScans(2);
    const b = machine.fork(a);
    const kpfn = a.pt.pfn(va.start);
    expect(machine.frames.isKsm(kpfn)).toBe(true);
    const seen = rmap.mappings(kpfn).map((m) => `${m.mm.id}:${m.vpn - va.start}`);
    expect(seen.sort()).toEqual([`${a.id}:0`, `${a.id}:1`, `${b.id}:0`, `${b.id}:1`].sort());
  });
});
