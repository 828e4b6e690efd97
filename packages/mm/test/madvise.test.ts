import { VM_MERGEABLE } from "@ksm/mm";
import { describe, expect, it } from "vitest";
import { fakeHooks, setup } from "./helpers.js";

describe("madvise(MADV_MERGEABLE / MADV_UNMERGEABLE) and prctl", () => {
  it("madvise and prctl fail with EINVAL without KSM hooks", () => {
    const { m, mm, vma } = setup(2);
    expect(m.madvise(mm, vma.start, vma.end, "mergeable")).toBe(-22);
    expect(m.madvise(mm, vma.start, vma.end, "unmergeable")).toBe(-22);
    expect(m.prctlSetMemoryMerge(mm, true)).toBe(-22);
    expect(mm.vmas[0]!.flags & VM_MERGEABLE).toBe(0);
  });

  it("madvise with hooks marks only the range, splitting the VMA", () => {
    const { m, mm, vma } = setup(8);
    m.hooks = fakeHooks();
    const s = vma.start;
    expect(m.madvise(mm, s + 2, s + 5, "mergeable")).toBe(0);
    expect(mm.vmas.map((v) => [v.start - s, v.end - s, (v.flags & VM_MERGEABLE) !== 0])).toEqual([
      [0, 2, false],
      [2, 5, true],
      [5, 8, false],
    ]);
    expect(m.madvise(mm, s, s + 8, "mergeable")).toBe(0);
    for (let v = s; v < s + 8; v++) expect(mm.findVma(v)!.flags & VM_MERGEABLE).toBe(VM_MERGEABLE);
    expect(m.madvise(mm, s + 3, s + 4, "unmergeable")).toBe(0);
    for (let v = s; v < s + 8; v++) expect((mm.findVma(v)!.flags & VM_MERGEABLE) !== 0).toBe(v !== s + 3);
  });

  it("madvise returns the hook's error", () => {
    const { m, mm, vma } = setup(2);
    m.hooks = { ...fakeHooks(), madvise: () => -16 };
    expect(m.madvise(mm, vma.start, vma.end, "mergeable")).toBe(-16);
  });
});
