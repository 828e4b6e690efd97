import { Machine, MMAP_BASE, VM_MERGEABLE, VM_READ, VM_SHARED, VM_WRITE, ZERO_CONTENT } from "@ksm/mm";
import { describe, expect, it } from "vitest";
import { fakeHooks, setup } from "./helpers.js";

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

describe("mmap and exit", () => {
  it("mmap maps top-down from MMAP_BASE, private and read-write, with the given flags and node", () => {
    const m = new Machine();
    const mm = m.createMm();
    const a = m.mmap(mm, 4);
    const b = m.mmap(mm, 2, { flags: VM_SHARED, node: 1 });
    expect([a.start, a.end]).toEqual([MMAP_BASE - 4, MMAP_BASE]);
    expect([b.start, b.end]).toEqual([MMAP_BASE - 6, MMAP_BASE - 4]);
    expect(a.flags).toBe(VM_READ | VM_WRITE);
    expect(b.flags).toBe(VM_READ | VM_WRITE | VM_SHARED);
    expect([a.node, b.node]).toEqual([0, 1]);
    expect(mm.vmas).toEqual([b, a]); // sorted by address
  });

  it("mmapAt refuses a range where anything is mapped, and a page count that is not a positive integer", () => {
    const m = new Machine();
    const mm = m.createMm();
    m.mmapAt(mm, 100, 10);
    expect(() => m.mmapAt(mm, 105, 10)).toThrow(/mm 1: page 105 is mapped/);
    expect(() => m.mmapAt(mm, 95, 6)).toThrow(RangeError);
    expect(() => m.mmapAt(mm, 90, 0)).toThrow(/positive page count/);
    expect(() => m.mmapAt(mm, 90, 1.5)).toThrow(/positive page count/);
    expect(m.mmapAt(mm, 90, 10).end).toBe(100); // right below is fine
    expect(mm.vmas.map((v) => v.start)).toEqual([90, 100]);
  });

  it("KSM chooses a new VMA's flags (ksm_vma_flags) and is told of an exit before the teardown", () => {
    const m = new Machine();
    const seen: number[] = [];
    m.hooks = {
      ...fakeHooks(),
      vmaFlags: (_mm, flags) => flags | VM_MERGEABLE,
      exit: (mm) => seen.push(mm.vmas.length),
    };
    const mm = m.createMm();
    const vma = m.mmap(mm, 1);
    expect(vma.flags & VM_MERGEABLE).toBe(VM_MERGEABLE);
    m.write(mm, vma.start, m.contents.unique());
    m.exit(mm);
    expect(seen).toEqual([1]);
    expect(mm.exiting).toBe(true);
    expect(m.mms.has(mm.id)).toBe(false);
    expect(m.frames.allocated).toBe(1);
  });
});
