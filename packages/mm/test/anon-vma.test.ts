import { Machine } from "@ksm/mm";
import { describe, expect, it } from "vitest";
import { setup } from "./helpers.js";

describe("anon_vma and the anonymous rmap walk", () => {
  it("a VMA gets its anon_vma at its first anonymous fault, not at mmap", () => {
    const { m, mm, vma } = setup(2);
    expect(vma.anonVma).toBeNull();
    m.write(mm, vma.start, m.contents.unique());
    const av = vma.anonVma!;
    expect(av.root).toBe(av);
    expect(m.anonVmas.get(av.id)).toBe(av);
    expect(m.frames.anonVma[mm.pt.pfn(vma.start)]).toBe(av.id);
    m.write(mm, vma.start + 1, m.contents.unique());
    expect(vma.anonVma).toBe(av); // one per VMA
  });

  it("a fork child's VMA has an anon_vma of its own under the parent's root, and the walk finds both mappings", () => {
    const { m, mm, vma } = setup(1);
    m.write(mm, vma.start, m.contents.unique());
    const pfn = mm.pt.pfn(vma.start);
    const child = m.fork(mm);
    const cv = child.vmas[0]!;
    expect(cv.anonVma).not.toBe(vma.anonVma);
    expect(cv.anonVma!.root).toBe(vma.anonVma);
    expect(m.anonMappings(pfn).map((x) => [x.mm.id, x.vma, x.vpn])).toEqual([
      [mm.id, vma, vma.start],
      [child.id, cv, vma.start],
    ]);
    m.write(child, vma.start, m.contents.unique()); // the child's copy-on-write: no longer a mapping of pfn
    expect(m.anonMappings(pfn).map((x) => x.mm.id)).toEqual([mm.id]);
  });

  it("finds a page where mremap moved it (its index stays), and forgets an unmapped VMA", () => {
    const { m, mm, vma } = setup(2);
    m.write(mm, vma.start + 1, m.contents.unique());
    const pfn = mm.pt.pfn(vma.start + 1);
    const to = vma.start - 100;
    m.mremap(mm, vma.start, vma.end, to);
    expect(m.anonMappings(pfn).map((x) => x.vpn)).toEqual([to + 1]);
    const child = m.fork(mm);
    const av = mm.vmas[0]!.anonVma!;
    expect(av.vmas.size).toBe(2);
    m.munmap(child, to, to + 2);
    expect([...av.vmas]).toEqual([mm.vmas[0]]);
    expect(m.anonMappings(pfn).map((x) => x.mm.id)).toEqual([mm.id]);
  });

  it("an unmapped or never-anonymous frame has no mappings", () => {
    const m = new Machine();
    expect(m.anonMappings(0)).toEqual([]); // the zero page
    const pfn = m.frames.alloc(m.contents.unique());
    expect(m.anonMappings(pfn)).toEqual([]);
  });
});
