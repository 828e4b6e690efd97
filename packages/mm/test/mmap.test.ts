import { ZERO_CONTENT } from "@ksm/mm";
import { describe, expect, it } from "vitest";
import { setup } from "./helpers.js";

describe("munmap", () => {
  it("munmap frees the frames and splits the VMA", () => {
    const { m, mm, vma } = setup(6);
    for (let i = 0; i < 6; i++) m.write(mm, vma.start + i, m.contents.pattern(BigInt(30 + i)));
    expect(m.frames.allocated).toBe(7);
    const s = vma.start;
    m.munmap(mm, s + 2, s + 4);
    expect(m.frames.allocated).toBe(5);
    expect(mm.vmas.map((v) => [v.start, v.end])).toEqual([
      [s, s + 2],
      [s + 4, s + 6],
    ]);
    expect(mm.pt.bits(s + 2)).toBe(0);
    expect(mm.pt.bits(s + 3)).toBe(0);
    expect(() => m.write(mm, s + 2, ZERO_CONTENT)).toThrow(RangeError);
    expect(m.peek(mm, s + 4)).toBe(m.contents.pattern(34n));
    m.munmap(mm, s, s + 6);
    expect(mm.vmas).toEqual([]);
    expect(m.frames.allocated).toBe(1);
  });

  it("munmap of a shared page only drops a reference", () => {
    const { m, mm, vma } = setup(1);
    m.write(mm, vma.start, m.contents.pattern(40n));
    const pfn = mm.pt.pfn(vma.start);
    const child = m.fork(mm);
    m.munmap(mm, vma.start, vma.end);
    expect(m.frames.isFree(pfn)).toBe(false);
    expect(m.frames.refcount[pfn]).toBe(1);
    expect(m.frames.mapcount[pfn]).toBe(1);
    expect(child.pt.pfn(vma.start)).toBe(pfn);
  });
});
