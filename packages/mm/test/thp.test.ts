import {
  Machine,
  type Mm,
  PTE_PRESENT,
  PTE_SPECIAL,
  PTE_WRITE,
  THP_PAGES,
  VM_READ,
  ZERO_CONTENT,
  ZERO_PFN,
} from "@ksm/mm";
import { describe, expect, it } from "vitest";

/** A process with one VM_HUGEPAGE region of `pages`, its first THP_PAGES written with pattern 1. */
function huge(pages = 2 * THP_PAGES) {
  const m = new Machine();
  const mm = m.createMm();
  const start = 0x4000_0000;
  m.mmapAt(mm, start, pages);
  m.hugepageMadvise(mm, start, start + pages, true);
  const p = m.contents.pattern(1n);
  for (let i = 0; i < THP_PAGES; i++) m.write(mm, start + i, p);
  return { m, mm, start, p };
}

const pfnAt = (mm: Mm, vpn: number) => mm.pt.pfn(vpn);

describe("transparent huge pages", () => {
  it("a write fault in an empty aligned 2 MiB of a VM_HUGEPAGE VMA maps a whole THP", () => {
    const { m, mm, start, p } = huge();
    expect(m.anonHugePagesKb(mm)).toBe(2048);
    const head = pfnAt(mm, start);
    expect(head % THP_PAGES).toBe(0);
    for (let i = 0; i < THP_PAGES; i++) expect(pfnAt(mm, start + i)).toBe(head + i);
    expect(m.peek(mm, start + 7)).toBe(p);
    // 1 frame for the zero page, 512 for the THP; the second 2 MiB is untouched
    expect(m.frames.allocated).toBe(1 + THP_PAGES);
    m.write(mm, start + THP_PAGES + 3, p);
    expect(m.anonHugePagesKb(mm)).toBe(4096);
  });

  it("no THP where VM_HUGEPAGE is off or the 2 MiB is not wholly inside the VMA", () => {
    const m = new Machine();
    const mm = m.createMm();
    m.mmapAt(mm, 0x4000_0000, THP_PAGES + 10);
    m.hugepageMadvise(mm, 0x4000_0000 + THP_PAGES, 0x4000_0000 + THP_PAGES + 10, true);
    m.write(mm, 0x4000_0000, ZERO_CONTENT);
    m.write(mm, 0x4000_0000 + THP_PAGES + 1, ZERO_CONTENT);
    expect(m.anonHugePagesKb(mm)).toBe(0);
    expect(m.frames.allocated).toBe(3);
  });

  it("a shared THP's write splits the writer's PMD and copies one page", () => {
    const { m, mm, start, p } = huge();
    const child = m.fork(mm);
    expect(m.anonHugePagesKb(child)).toBe(2048);
    const q = m.contents.pattern(2n);
    m.write(child, start + 5, q);
    expect(m.vmstat.thp_split_pmd).toBe(1);
    expect(m.anonHugePagesKb(child)).toBe(0);
    expect(m.anonHugePagesKb(mm)).toBe(2048);
    expect(m.peek(mm, start + 5)).toBe(p);
    expect(m.peek(child, start + 5)).toBe(q);
    expect(m.frames.isThp(pfnAt(child, start + 5))).toBe(false);
    expect(m.vmstat.thp_split_page).toBe(0); // the folio stays whole
  });

  it("a PMD-mapped THP is shared while another process maps any of its pages, not only the one written", () => {
    const { m, mm, start } = huge();
    const child = m.fork(mm);
    const q = m.contents.pattern(2n);
    // the parent's write splits its PMD and copies the tail; the child still maps the whole THP
    for (let i = THP_PAGES - 8; i < THP_PAGES; i++) m.write(mm, start + i, q);
    expect(m.vmstat.thp_split_pmd).toBe(1);
    expect(m.anonHugePagesKb(child)).toBe(2048);
    // page 510 is the child's alone now, but the folio is not: the parent maps 504 of its pages
    m.write(child, start + THP_PAGES - 2, q);
    expect(m.vmstat.thp_split_pmd).toBe(2);
    expect(m.anonHugePagesKb(child)).toBe(0);
    expect(m.frames.isThp(pfnAt(child, start + THP_PAGES - 2))).toBe(false);
  });

  it("a THP whose one reference is the writer's PMD is reused whole: the PMD stays, writable", () => {
    const { m, mm, start, p } = huge();
    const child = m.fork(mm);
    m.exit(child);
    const head = pfnAt(mm, start);
    const q = m.contents.pattern(2n);
    m.write(mm, start + 3, q);
    expect(m.vmstat.thp_split_pmd).toBe(0);
    expect(m.anonHugePagesKb(mm)).toBe(2048);
    expect(pfnAt(mm, start + 3)).toBe(head + 3);
    expect(m.peek(mm, start + 3)).toBe(q);
    expect(m.peek(mm, start + 4)).toBe(p);
    for (let i = 0; i < THP_PAGES; i++) expect(mm.pt.bits(start + i) & PTE_WRITE).toBe(PTE_WRITE);
  });

  describe("a write to a PTE-mapped page of a THP (__wp_can_reuse_large_anon_folio)", () => {
    /** `huge()` with its PMD split by the child's unmapping, the parent's first page copied. */
    const forkedAndSplit = () => {
      const t = huge(THP_PAGES);
      const child = t.m.fork(t.mm);
      const head = pfnAt(t.mm, t.start);
      return { ...t, child, head, q: t.m.contents.pattern(2n) };
    };

    it("copies while another process maps any page of the folio, though none maps the one written", () => {
      const { m, mm, start, child, head, q } = forkedAndSplit();
      m.munmap(child, start, start + THP_PAGES / 2);
      m.write(mm, start, q); // splits the parent's PMD and copies
      m.write(mm, start + 1, q);
      expect(pfnAt(mm, start + 1)).not.toBe(head + 1);
      expect(m.frames.isThp(pfnAt(mm, start + 1))).toBe(false);
      expect(m.audit()).toEqual([]);
    });

    it("copies the folio's last mapped page rather than keep the whole folio for it", () => {
      const { m, mm, start, child, head, q } = forkedAndSplit();
      m.exit(child);
      m.dontneed(mm, start + 1, start + THP_PAGES);
      m.write(mm, start, q);
      expect(pfnAt(mm, start)).not.toBe(head);
      expect(m.frames.allocated).toBe(2); // the zero page and the copy: the folio is freed
    });

    it("reuses the page once the folio is the writer's alone again", () => {
      const { m, mm, start, child, head, q } = forkedAndSplit();
      m.exit(child);
      m.dontneed(mm, start + THP_PAGES / 2, start + THP_PAGES);
      m.write(mm, start, q);
      expect(pfnAt(mm, start)).toBe(head);
      expect(mm.pt.bits(start) & PTE_WRITE).toBe(PTE_WRITE);
      expect(m.audit()).toEqual([]);
    });

    it("copies after a third process's mappings were counted without a slot: the folio stays maybe shared", () => {
      const { m, mm, start, child, q } = forkedAndSplit();
      const third = m.fork(mm);
      m.exit(child);
      // the third process takes the freed slot only with the PTEs of its split, not its PMD
      m.dontneed(third, start + THP_PAGES / 2, start + THP_PAGES);
      const head = pfnAt(third, start);
      m.exit(mm);
      m.write(third, start, q);
      expect(pfnAt(third, start)).not.toBe(head);
      expect(m.audit()).toEqual([]);
    });

    it("reuses once every process but the writer unmapped the folio, a third one included", () => {
      const { m, mm, start, child, head, q } = forkedAndSplit();
      const third = m.fork(mm);
      m.exit(child);
      m.dontneed(third, start + THP_PAGES / 2, start + THP_PAGES);
      m.exit(third);
      m.dontneed(mm, start + THP_PAGES / 2, start + THP_PAGES);
      m.write(mm, start, q);
      expect(pfnAt(mm, start)).toBe(head);
    });
  });

  it("dontneed of a whole THP drops it; of part of one splits its PMD", () => {
    const { m, mm, start } = huge();
    m.write(mm, start + THP_PAGES, ZERO_CONTENT);
    m.dontneed(mm, start, start + THP_PAGES);
    expect(m.vmstat.thp_split_pmd).toBe(0);
    expect(m.anonHugePagesKb(mm)).toBe(2048);
    m.dontneed(mm, start + THP_PAGES, start + THP_PAGES + 1);
    expect(m.vmstat.thp_split_pmd).toBe(1);
    expect(m.anonHugePagesKb(mm)).toBe(0);
    // the partly unmapped folio is freed only as a whole
    expect(m.frames.allocated).toBe(1 + THP_PAGES);
  });

  it("an mprotect boundary inside a THP splits its PMD; over whole THPs it does not", () => {
    const { m, mm, start } = huge();
    m.mprotect(mm, start, start + THP_PAGES, VM_READ);
    expect(m.vmstat.thp_split_pmd).toBe(0);
    expect(mm.pt.bits(start) & PTE_WRITE).toBe(0);
    m.mprotect(mm, start, start + 10, 0);
    expect(m.vmstat.thp_split_pmd).toBe(1);
  });

  it("split_huge_page splits every PMD mapping and maps zero-filled subpages to the zero page", () => {
    const m = new Machine();
    const mm = m.createMm();
    const start = 0x4000_0000;
    m.mmapAt(mm, start, THP_PAGES);
    m.hugepageMadvise(mm, start, start + THP_PAGES, true);
    const p = m.contents.pattern(4n);
    for (let i = 0; i < 100; i++) m.write(mm, start + i, p); // the other 412 stay zero
    const child = m.fork(mm);
    expect(m.splitHugePage(pfnAt(mm, start))).toBe(true);
    expect(m.vmstat.thp_split_page).toBe(1);
    expect(m.vmstat.thp_split_pmd).toBe(2);
    for (const x of [mm, child]) {
      expect(m.anonHugePagesKb(x)).toBe(0);
      expect(x.pt.bits(start + 200) & (PTE_PRESENT | PTE_SPECIAL)).toBe(PTE_PRESENT | PTE_SPECIAL);
      expect(pfnAt(x, start + 200)).toBe(ZERO_PFN);
      expect(m.peek(x, start + 99)).toBe(p);
    }
    expect(m.frames.allocated).toBe(1 + 100);
    expect(m.splitHugePage(pfnAt(mm, start))).toBe(false);
  });

  it("mremap by whole THPs moves the PMD; by less splits it", () => {
    const { m, mm, start } = huge(THP_PAGES);
    m.mremap(mm, start, start + THP_PAGES, start + 4 * THP_PAGES);
    expect(m.anonHugePagesKb(mm)).toBe(2048);
    expect(m.vmstat.thp_split_pmd).toBe(0);
    m.mremap(mm, start + 4 * THP_PAGES, start + 5 * THP_PAGES, start + 7 * THP_PAGES + 3);
    expect(m.anonHugePagesKb(mm)).toBe(0);
    expect(m.vmstat.thp_split_pmd).toBe(1);
    expect(m.peek(mm, start + 7 * THP_PAGES + 3)).toBe(m.contents.pattern(1n));
  });
});
