import type { ChecksumPolicy } from "@ksm/contracts";
import { Ksm } from "@ksm/core";
import { type ContentId, Machine, type Mm, PTE_SWAP } from "@ksm/mm";
import { rbtreeIndex } from "@ksm/policy-index";
import { clockReclaim, fifoReclaim, lruReclaim, randomReclaim } from "@ksm/policy-reclaim";
import { Rmap } from "@ksm/rmap";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { migrateRange, offlineNode, reclaimUntilFree, swapOutRange } from "../src/index.js";

const checksum: ChecksumPolicy = {
  name: "fnv1a",
  checksum(page) {
    let h = 0x811c9dc5;
    for (let i = 0; i < page.length; i++) h = Math.imul(h ^ page[i]!, 0x01000193);
    return h >>> 0;
  },
};

interface Proc {
  mm: Mm;
  start: number;
  expected: ContentId[];
}

const PAGES = 12;
const op = fc.oneof(
  fc.record({ k: fc.constant("write"), p: fc.nat(3), page: fc.nat(PAGES - 1), seed: fc.nat(3) }),
  fc.record({ k: fc.constant("fork"), p: fc.nat(3) }),
  fc.record({ k: fc.constant("exit"), p: fc.nat(3) }),
  fc.record({
    k: fc.constant("swapout"),
    p: fc.nat(3),
    a: fc.nat(PAGES - 1),
    n: fc.integer({ min: 1, max: PAGES }),
  }),
  fc.record({
    k: fc.constant("read"),
    p: fc.nat(3),
    a: fc.nat(PAGES - 1),
    n: fc.integer({ min: 1, max: PAGES }),
  }),
  fc.record({ k: fc.constant("migrate"), p: fc.nat(3), a: fc.nat(PAGES - 1), node: fc.nat(1) }),
  fc.record({ k: fc.constant("pressure"), free: fc.nat(40) }),
  fc.record({ k: fc.constant("scan"), n: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ k: fc.constant("offline") }),
);

describe("swap, migration and merging together", () => {
  it.each([
    ["lru", lruReclaim],
    ["clock", clockReclaim],
    ["fifo", fifoReclaim],
    ["random", () => randomReclaim(7)],
  ] as const)("never lose content and keep every invariant (reclaim %s)", (_name, reclaim) => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), fc.boolean(), (ops, zeroPages) => {
        const machine = new Machine({ nodes: 2, swapPages: 200, memoryPages: 60 });
        const rmap = new Rmap(machine);
        const ksm = new Ksm({ machine, rmap, checksum, index: rbtreeIndex, nodes: 2 });
        ksm.writeKnob("smart_scan", 0);
        ksm.writeKnob("use_zero_pages", zeroPages ? 1 : 0);
        ksm.writeKnob("pages_to_scan", 1_000_000);
        ksm.writeKnob("run", 1);
        const policy = reclaim();
        const procs: Proc[] = [];
        const spawn = (node: number) => {
          const mm = machine.createMm();
          const vma = machine.mmap(mm, PAGES, { node });
          const expected: ContentId[] = [];
          for (let i = 0; i < PAGES; i++) {
            const c = machine.contents.pattern(BigInt(i % 3));
            machine.write(mm, vma.start + i, c);
            expected.push(c);
          }
          machine.madvise(mm, vma.start, vma.end, "mergeable");
          procs.push({ mm, start: vma.start, expected });
        };
        spawn(0);
        spawn(1);
        const check = (afterScan: boolean) => {
          for (const p of procs)
            p.expected.forEach((c, i) => {
              expect(machine.peek(p.mm, p.start + i)).toBe(c);
            });
          expect(machine.audit()).toEqual([]);
          expect(ksm.audit(afterScan)).toEqual([]);
        };
        for (const o of ops) {
          const p = procs.length ? procs[("p" in o ? o.p : 0) % procs.length]! : undefined;
          let scanned = false;
          switch (o.k) {
            case "write":
              if (p) {
                const c = machine.contents.pattern(BigInt(o.seed));
                machine.write(p.mm, p.start + o.page, c);
                p.expected[o.page] = c;
              }
              break;
            case "fork":
              if (p && procs.length < 5)
                procs.push({ mm: machine.fork(p.mm), start: p.start, expected: [...p.expected] });
              break;
            case "exit":
              if (p) {
                machine.exit(p.mm);
                procs.splice(procs.indexOf(p), 1);
              }
              break;
            case "swapout":
              if (p) swapOutRange(machine, rmap, p.mm, p.start + o.a, p.start + Math.min(PAGES, o.a + o.n));
              break;
            case "read":
              if (p) for (let i = o.a; i < Math.min(PAGES, o.a + o.n); i++) machine.read(p.mm, p.start + i);
              break;
            case "migrate":
              if (p) migrateRange(machine, rmap, p.mm, p.start + o.a, p.start + PAGES, o.node);
              break;
            case "pressure":
              reclaimUntilFree(machine, rmap, policy, o.free);
              break;
            case "offline":
              offlineNode(machine, rmap, ksm, 1);
              machine.offline.delete(1);
              break;
            case "scan":
              ksm.fullScans(o.n);
              scanned = true;
              break;
          }
          check(scanned);
        }
        // and sharing comes back once everything is read in and ksmd runs again
        for (const p of procs) for (let i = 0; i < PAGES; i++) machine.read(p.mm, p.start + i);
        ksm.fullScans(3);
        check(true);
        const c = ksm.counters();
        const distinct = new Set(procs.flatMap((p) => p.expected)).size;
        const pages = procs.length * PAGES;
        if (!zeroPages && pages > 0)
          expect(c.pages_shared + c.pages_sharing).toBeGreaterThanOrEqual(pages - distinct);
      }),
      { numRuns: 60 },
    );
  });

  it("swaps a KSM page out as a unit and copies it back per mapping", () => {
    const machine = new Machine({ swapPages: 10 });
    const rmap = new Rmap(machine);
    const ksm = new Ksm({ machine, rmap, checksum, index: rbtreeIndex });
    ksm.writeKnob("smart_scan", 0);
    const a = machine.createMm();
    const b = machine.createMm();
    const c = machine.contents.pattern(5n);
    const va = machine.mmap(a, 1);
    const vb = machine.mmap(b, 1);
    machine.write(a, va.start, c);
    machine.write(b, vb.start, c);
    machine.madvise(a, va.start, va.end, "mergeable");
    machine.madvise(b, vb.start, vb.end, "mergeable");
    ksm.fullScans(2);
    expect(ksm.counters().pages_sharing).toBe(1);
    expect(swapOutRange(machine, rmap, a, va.start, va.end)).toBe(1);
    expect(machine.vmstat.pswpout).toBe(1);
    expect(machine.peek(b, vb.start)).toBe(c);
    machine.read(a, va.start);
    machine.read(b, vb.start);
    expect(machine.vmstat).toMatchObject({ pswpin: 1, ksm_swpin_copy: 1 });
    expect(a.pt.pfn(va.start)).not.toBe(b.pt.pfn(vb.start));
    ksm.fullScans(2);
    expect(ksm.counters()).toMatchObject({ pages_shared: 1, pages_sharing: 1 });
    expect(a.pt.pfn(va.start)).toBe(b.pt.pfn(vb.start));
  });

  it("reclaims by allocation order only on a machine that keeps it, and says so otherwise", () => {
    const run = (allocationOrder: boolean, policy = fifoReclaim()) => {
      const machine = new Machine({ swapPages: 8, memoryPages: 4, allocationOrder });
      const rmap = new Rmap(machine);
      const mm = machine.createMm();
      const v = machine.mmap(mm, 4);
      for (let i = 0; i < 4; i++) machine.write(mm, v.start + i, machine.contents.pattern(BigInt(i + 1)));
      return {
        n: reclaimUntilFree(machine, rmap, policy, 2),
        first: mm.pt.bits(v.start),
        last: mm.pt.bits(v.start + 3),
      };
    };
    const kept = run(true);
    expect(kept.n).toBe(2);
    // FIFO takes the oldest pages: the first two written went to swap, the last stayed
    expect(kept.first & PTE_SWAP).toBe(PTE_SWAP);
    expect(kept.last & PTE_SWAP).toBe(0);
    expect(() => run(false)).toThrow(/fifo reads the frames' allocation order.*allocationOrder is false/);
    // a policy that does not read it reclaims as well without it
    expect(run(false, randomReclaim(1)).n).toBe(2);
  });
});
