import { VM_READ, VM_WRITE } from "@ksm/mm";
import { describe, expect, it } from "vitest";
import { merged, present, setup, writable } from "./helpers.js";

describe("mprotect", () => {
  it("taking write away write-protects every PTE of the range, splits the VMA there, and keeps the pages", () => {
    const { m, mm, vma } = setup(6);
    const c = Array.from({ length: 6 }, () => m.contents.unique());
    for (let i = 0; i < 6; i++) m.write(mm, vma.start + i, c[i]!);
    m.mprotect(mm, vma.start + 1, vma.start + 4, VM_READ);
    expect(mm.vmas.map((v) => [v.start - vma.start, v.end - vma.start])).toEqual([
      [0, 1],
      [1, 4],
      [4, 6],
    ]);
    expect(mm.vmas[1]!.flags & (VM_READ | VM_WRITE)).toBe(VM_READ);
    for (let i = 0; i < 6; i++) {
      expect(present(mm, vma.start + i)).toBe(true);
      expect(writable(mm, vma.start + i)).toBe(i < 1 || i >= 4);
      expect(m.peek(mm, vma.start + i)).toBe(c[i]);
    }
  });

  it("giving write back leaves the PTEs read-only until the next write fault", () => {
    const { m, mm, vma } = setup(2);
    m.write(mm, vma.start, m.contents.unique());
    m.mprotect(mm, vma.start, vma.end, VM_READ);
    m.mprotect(mm, vma.start, vma.end, VM_READ | VM_WRITE);
    expect(mm.vmas[0]!.flags & VM_WRITE).toBe(VM_WRITE);
    expect(writable(mm, vma.start)).toBe(false);
    const d = m.contents.unique();
    m.write(mm, vma.start, d);
    expect(writable(mm, vma.start)).toBe(true);
    expect(m.peek(mm, vma.start)).toBe(d);
  });

  it("leaves a KSM page merged (KSM is not told), and a write after write access returns copies it", () => {
    const { m, p, q, vp, vq, a, kpfn } = merged();
    m.mprotect(q, vq.start, vq.end, VM_READ);
    expect(q.pt.pfn(vq.start)).toBe(kpfn);
    m.mprotect(q, vq.start, vq.end, VM_READ | VM_WRITE);
    const b = m.contents.unique();
    m.write(q, vq.start, b);
    expect(q.pt.pfn(vq.start)).not.toBe(kpfn);
    expect(p.pt.pfn(vp.start)).toBe(kpfn);
    expect(m.peek(p, vp.start)).toBe(a);
    expect(m.peek(q, vq.start)).toBe(b);
  });

  it("does not split a VMA whose protection is already the one asked for", () => {
    const { m, mm, vma } = setup(4);
    const prot = vma.flags & (VM_READ | VM_WRITE);
    m.mprotect(mm, vma.start + 1, vma.start + 2, prot);
    expect(mm.vmas).toHaveLength(1);
  });
});
