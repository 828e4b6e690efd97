import { Machine, NO_PFN, PG_KSM, PG_SWAPCACHE } from "@ksm/mm";
import { describe, expect, it } from "vitest";
import { fakeHooks } from "./helpers.js";

/** Two NUMA nodes, one process with a page written on node 0. */
function twoNodes(opts: { swapPages?: number } = {}) {
  const m = new Machine({ nodes: 2, ...opts });
  const mm = m.createMm();
  const vma = m.mmap(mm, 2);
  const c = m.contents.pattern(50n);
  m.write(mm, vma.start, c);
  return { m, mm, vma, c, pfn: mm.pt.pfn(vma.start) };
}

describe("migrating a page (migrate_pages for one folio)", () => {
  it("a new frame on the target node takes the content, flags, PTE bits and mapping; the old one is freed", () => {
    const { m, mm, vma, c, pfn } = twoNodes();
    const bits = mm.pt.bits(vma.start);
    const flags = m.frames.flags[pfn];
    const to = m.migrate(pfn, 1, [{ mm, vpn: vma.start }]);
    expect(to).not.toBe(NO_PFN);
    expect(to).not.toBe(pfn);
    expect(m.frames.pageToNid(to)).toBe(1);
    expect(m.frames.flags[to]).toBe(flags);
    expect(mm.pt.pfn(vma.start)).toBe(to);
    expect(mm.pt.bits(vma.start)).toBe(bits);
    expect(m.peek(mm, vma.start)).toBe(c);
    expect(m.frames.isFree(pfn)).toBe(true);
    expect(m.anonMappings(to).map((x) => x.vpn)).toEqual([vma.start]); // rmap still finds it
    expect(m.vmstat.pgmigrate_success).toBe(1);
    expect(m.audit()).toEqual([]);
  });

  it("fails (pgmigrate_fail) on a pinned frame or when not every mapping is given, changing nothing", () => {
    const { m, mm, vma, pfn } = twoNodes();
    const child = m.fork(mm);
    expect(m.migrate(pfn, 1, [{ mm, vpn: vma.start }])).toBe(NO_PFN); // the child's mapping is missing
    m.frames.refcount[pfn]!++; // a pin
    const all = [
      { mm, vpn: vma.start },
      { mm: child, vpn: vma.start },
    ];
    expect(m.migrate(pfn, 1, all)).toBe(NO_PFN);
    m.frames.refcount[pfn]!--;
    expect(m.vmstat.pgmigrate_fail).toBe(2);
    expect(mm.pt.pfn(vma.start)).toBe(pfn);
    expect(child.pt.pfn(vma.start)).toBe(pfn);
    const to = m.migrate(pfn, 1, all);
    expect([mm.pt.pfn(vma.start), child.pt.pfn(vma.start)]).toEqual([to, to]);
    expect(m.frames.mapcount[to]).toBe(2);
    expect(m.audit()).toEqual([]);
  });

  it("tells KSM a KSM frame moved (folio_migrate_ksm), so its stable node can follow", () => {
    const { m, mm, vma, pfn } = twoNodes();
    const moves: [number, number][] = [];
    m.hooks = { ...fakeHooks(), migrateKsm: (from, to) => moves.push([from, to]) };
    m.writeProtect(mm, vma.start, pfn);
    m.frames.flags[pfn]! |= PG_KSM;
    const to = m.migrate(pfn, 1, [{ mm, vpn: vma.start }]);
    expect(moves).toEqual([[pfn, to]]);
    expect(m.frames.isKsm(to)).toBe(true);
  });

  it("a page in the swap cache keeps its place there: the next swap-in finds the new frame", () => {
    const { m, mm, vma, c, pfn } = twoNodes({ swapPages: 4 });
    const child = m.fork(mm);
    m.swapOut(pfn, [
      { mm, vpn: vma.start },
      { mm: child, vpn: vma.start },
    ]);
    m.read(mm, vma.start); // in the swap cache, mapped by the parent only
    const cached = mm.pt.pfn(vma.start);
    const to = m.migrate(cached, 1, [{ mm, vpn: vma.start }]);
    expect(to).not.toBe(NO_PFN);
    expect(m.frames.flags[to]! & PG_SWAPCACHE).toBe(PG_SWAPCACHE);
    expect(m.frames.isFree(cached)).toBe(true);
    expect(m.read(child, vma.start)).toBe(c);
    expect(child.pt.pfn(vma.start)).toBe(to);
    expect(m.vmstat.pswpin).toBe(1);
    expect(m.audit()).toEqual([]);
  });
});

describe("NUMA placement (nodeFor)", () => {
  it("a VMA's new pages go to its node, or to the first online node while it is offline", () => {
    const m = new Machine({ nodes: 3 });
    const mm = m.createMm();
    const vma = m.mmap(mm, 2, { node: 2 });
    expect(vma.node).toBe(2);
    m.write(mm, vma.start, m.contents.unique());
    expect(m.frames.pageToNid(mm.pt.pfn(vma.start))).toBe(2);
    m.offline.add(2);
    m.offline.add(0);
    m.write(mm, vma.start + 1, m.contents.unique());
    expect(m.frames.pageToNid(mm.pt.pfn(vma.start + 1))).toBe(1);
    expect(m.fork(mm).vmas[0]!.node).toBe(2); // the child's VMA keeps the node
  });
});
