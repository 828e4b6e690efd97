import {
  NO_PFN,
  PG_ANON,
  PTE_DIRTY,
  PTE_PRESENT,
  PTE_SPECIAL,
  PTE_WRITE,
  ZERO_CONTENT,
  ZERO_PFN,
} from "@ksm/mm";
import { describe, expect, it } from "vitest";
import { present, setup, writable } from "./helpers.js";

describe("faults on untouched memory", () => {
  it("a write allocates a private, writable anonymous frame", () => {
    const { m, mm, vma } = setup();
    const a = m.contents.pattern(1n);
    expect(m.frames.allocated).toBe(1); // the zero page only
    m.write(mm, vma.start, a);
    expect(m.frames.allocated).toBe(2);
    const pfn = mm.pt.pfn(vma.start);
    expect(pfn).not.toBe(NO_PFN);
    expect(pfn).not.toBe(ZERO_PFN);
    expect(present(mm, vma.start) && writable(mm, vma.start)).toBe(true);
    expect(m.frames.content[pfn]).toBe(a);
    expect(m.frames.refcount[pfn]).toBe(1);
    expect(m.frames.mapcount[pfn]).toBe(1);
    expect(m.frames.flags[pfn]! & PG_ANON).toBe(PG_ANON);
    expect(m.read(mm, vma.start)).toBe(a);
    expect(m.frames.allocated).toBe(2);
    // A second write to the same writable page changes it in place.
    const b = m.contents.pattern(2n);
    m.write(mm, vma.start, b);
    expect(mm.pt.pfn(vma.start)).toBe(pfn);
    expect(m.peek(mm, vma.start)).toBe(b);
    expect(m.frames.allocated).toBe(2);
  });

  it("a read allocates a zero-filled page without zeroPageOnRead", () => {
    const { m, mm, vma } = setup(4, { zeroPageOnRead: false });
    expect(m.zeroPageOnRead).toBe(false);
    expect(m.read(mm, vma.start + 1)).toBe(ZERO_CONTENT);
    expect(m.frames.allocated).toBe(2);
    const pfn = mm.pt.pfn(vma.start + 1);
    expect(pfn).not.toBe(ZERO_PFN);
    expect(mm.pt.bits(vma.start + 1) & PTE_SPECIAL).toBe(0);
    expect(m.frames.content[pfn]).toBe(ZERO_CONTENT);
    expect(m.frames.mapcount[pfn]).toBe(1);
    expect(m.contents.bytes(m.frames.content[pfn]!).every((x) => x === 0)).toBe(true);
  });

  it("a read maps the shared zero page by default, as mainline does", () => {
    const { m, mm, vma } = setup();
    expect(m.zeroPageOnRead).toBe(true);
    const zeroRef = m.frames.refcount[ZERO_PFN];
    expect(m.read(mm, vma.start)).toBe(ZERO_CONTENT);
    expect(m.frames.allocated).toBe(1);
    expect(mm.pt.pfn(vma.start)).toBe(ZERO_PFN);
    const bits = mm.pt.bits(vma.start);
    expect(bits & (PTE_PRESENT | PTE_SPECIAL | PTE_WRITE | PTE_DIRTY)).toBe(PTE_PRESENT | PTE_SPECIAL);
    expect(m.frames.refcount[ZERO_PFN]).toBe(zeroRef);
    // The zero page is not an anonymous page KSM could follow.
    expect(m.followAnonPage(mm, vma.start)).toBe(NO_PFN);
    // Writing replaces it with a private frame.
    m.write(mm, vma.start, m.contents.pattern(3n));
    expect(mm.pt.pfn(vma.start)).not.toBe(ZERO_PFN);
    expect(m.frames.allocated).toBe(2);
    expect(mm.ksmZeroPages).toBe(0);
  });

  it("peek does not fault", () => {
    const { m, mm, vma } = setup();
    expect(m.peek(mm, vma.start)).toBe(ZERO_CONTENT);
    expect(present(mm, vma.start)).toBe(false);
    expect(m.frames.allocated).toBe(1);
  });

  it("touching memory outside any VMA is a SIGSEGV (RangeError)", () => {
    const { m, mm, vma } = setup();
    expect(() => m.write(mm, vma.end, ZERO_CONTENT)).toThrow(RangeError);
    expect(() => m.read(mm, vma.start - 1)).toThrow(RangeError);
  });
});
