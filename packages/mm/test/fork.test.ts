import { PTE_SPECIAL, ZERO_PFN } from "@ksm/mm";
import { describe, expect, it } from "vitest";
import { setup, writable } from "./helpers.js";

describe("fork and copy-on-write", () => {
  function forked() {
    const s = setup(3);
    const a = s.m.contents.pattern(10n);
    for (let i = 0; i < 3; i++) s.m.write(s.mm, s.vma.start + i, a);
    const child = s.m.fork(s.mm);
    return { ...s, a, child };
  }

  it("shares every frame read-only with refcount and mapcount 2", () => {
    const { m, mm, vma, a, child } = forked();
    expect(m.frames.allocated).toBe(4);
    expect(child.vmas.map((v) => [v.start, v.end])).toEqual([[vma.start, vma.end]]);
    for (let v = vma.start; v < vma.end; v++) {
      const pfn = mm.pt.pfn(v);
      expect(child.pt.pfn(v)).toBe(pfn);
      expect(m.frames.refcount[pfn]).toBe(2);
      expect(m.frames.mapcount[pfn]).toBe(2);
      expect(writable(mm, v)).toBe(false);
      expect(writable(child, v)).toBe(false);
      expect(m.peek(child, v)).toBe(a);
    }
  });

  it("a write in the child copies; the parent keeps the old content", () => {
    const { m, mm, vma, a, child } = forked();
    const old = mm.pt.pfn(vma.start);
    const b = m.contents.pattern(11n);
    m.write(child, vma.start, b);
    expect(child.pt.pfn(vma.start)).not.toBe(old);
    expect(mm.pt.pfn(vma.start)).toBe(old);
    expect(m.peek(child, vma.start)).toBe(b);
    expect(m.peek(mm, vma.start)).toBe(a);
    expect(m.frames.refcount[old]).toBe(1);
    expect(m.frames.mapcount[old]).toBe(1);
    expect(m.frames.allocated).toBe(5);
    expect(writable(child, vma.start)).toBe(true);
  });

  it("a write in the parent copies; the child keeps the old content", () => {
    const { m, mm, vma, a, child } = forked();
    const old = mm.pt.pfn(vma.start + 1);
    const b = m.contents.pattern(12n);
    m.write(mm, vma.start + 1, b);
    expect(mm.pt.pfn(vma.start + 1)).not.toBe(old);
    expect(child.pt.pfn(vma.start + 1)).toBe(old);
    expect(m.peek(mm, vma.start + 1)).toBe(b);
    expect(m.peek(child, vma.start + 1)).toBe(a);
    expect(m.frames.allocated).toBe(5);
  });

  it("the last sharer of a COW page reuses it on write", () => {
    const { m, mm, vma, child } = forked();
    const old = mm.pt.pfn(vma.start);
    m.write(child, vma.start, m.contents.pattern(13n));
    // The parent is now the only user of `old`, though its PTE is still read-only.
    expect(writable(mm, vma.start)).toBe(false);
    const before = m.frames.allocated;
    m.write(mm, vma.start, m.contents.pattern(14n));
    expect(mm.pt.pfn(vma.start)).toBe(old);
    expect(m.frames.allocated).toBe(before);
    expect(writable(mm, vma.start)).toBe(true);
  });

  it("a write after the other sharer exited reuses the frame", () => {
    const { m, mm, vma, a, child } = forked();
    const pfns = [0, 1, 2].map((i) => mm.pt.pfn(vma.start + i));
    m.exit(child);
    expect(m.mms.has(child.id)).toBe(false);
    expect(child.exiting).toBe(true);
    for (const pfn of pfns) expect(m.frames.refcount[pfn]).toBe(1);
    expect(m.frames.allocated).toBe(4);
    const b = m.contents.pattern(15n);
    m.write(mm, vma.start, b);
    expect(mm.pt.pfn(vma.start)).toBe(pfns[0]);
    expect(m.frames.allocated).toBe(4);
    expect(m.peek(mm, vma.start)).toBe(b);
    expect(m.peek(mm, vma.start + 1)).toBe(a);
  });

  it("exiting frees the frames nobody else maps", () => {
    const { m, mm, vma, child } = forked();
    m.write(child, vma.start, m.contents.pattern(16n));
    expect(m.frames.allocated).toBe(5);
    m.exit(mm);
    expect(m.frames.allocated).toBe(4);
    m.exit(child);
    expect(m.frames.allocated).toBe(1);
    expect(m.mms.size).toBe(0);
  });

  it("fork does not copy a zero-page mapping into a frame", () => {
    const { m, mm, vma } = setup(2, { zeroPageOnRead: true });
    m.read(mm, vma.start);
    const child = m.fork(mm);
    expect(child.pt.pfn(vma.start)).toBe(ZERO_PFN);
    expect(child.pt.bits(vma.start) & PTE_SPECIAL).toBe(PTE_SPECIAL);
    expect(m.frames.allocated).toBe(1);
  });
});
