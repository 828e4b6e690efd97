import { linearPageIndex } from "@ksm/mm";
import { describe, expect, it } from "vitest";
import { present, setup } from "./helpers.js";

describe("mremap", () => {
  it("moves the pages to the same offsets from `to`, keeping their frames, contents and linear index", () => {
    const { m, mm, vma } = setup(4);
    const c = Array.from({ length: 4 }, () => m.contents.unique());
    for (let i = 0; i < 4; i++) m.write(mm, vma.start + i, c[i]!);
    const pfns = c.map((_, i) => mm.pt.pfn(vma.start + i));
    const index = linearPageIndex(vma, vma.start);
    const from = vma.start;
    const to = from + 1000;
    m.mremap(mm, from, from + 4, to);
    expect(mm.vmas).toHaveLength(1);
    expect([mm.vmas[0]!.start, mm.vmas[0]!.end]).toEqual([to, to + 4]);
    expect(linearPageIndex(mm.vmas[0]!, to)).toBe(index);
    for (let i = 0; i < 4; i++) {
      expect(present(mm, from + i)).toBe(false);
      expect(mm.pt.pfn(to + i)).toBe(pfns[i]);
      expect(m.peek(mm, to + i)).toBe(c[i]);
    }
    expect(m.audit()).toEqual([]);
  });

  it("moves a piece of a VMA, splitting it at the ends of the range", () => {
    const { m, mm, vma } = setup(4);
    const c = m.contents.unique();
    m.write(mm, vma.start + 2, c);
    m.mremap(mm, vma.start + 1, vma.start + 3, vma.start + 500);
    expect(mm.vmas.map((v) => [v.start - vma.start, v.end - vma.start])).toEqual([
      [0, 1],
      [3, 4],
      [500, 502],
    ]);
    expect(m.peek(mm, vma.start + 501)).toBe(c);
  });

  it("moving over itself by less than its length loses no page", () => {
    for (const delta of [1, -1, 3, -3]) {
      const { m, mm, vma } = setup(4);
      const base = vma.start + 10;
      m.mremap(mm, vma.start, vma.end, base);
      const c = Array.from({ length: 4 }, () => m.contents.unique());
      for (let i = 0; i < 4; i++) m.write(mm, base + i, c[i]!);
      m.mremap(mm, base, base + 4, base + delta);
      for (let i = 0; i < 4; i++) expect(m.peek(mm, base + delta + i)).toBe(c[i]);
    }
  });

  it("refuses a target that another VMA maps, with a RangeError naming the page", () => {
    const { m, mm, vma } = setup(2);
    const other = m.mmap(mm, 2);
    expect(() => m.mremap(mm, vma.start, vma.end, other.start)).toThrow(RangeError);
    expect(() => m.mremap(mm, vma.start, vma.end, other.start)).toThrow(/is mapped/);
  });
});
