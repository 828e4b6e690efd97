import { THP_ORDER, THP_PAGES } from "./frames.js";
import type { Machine } from "./machine.js";
import type { Mm } from "./mm.js";
import { splitVma } from "./mmap.js";
import { splitPmd } from "./thp.js";
import { VM_MERGEABLE } from "./vma.js";

/**
 * mremap(2) of every VMA in [start, end) to the same offsets from page `to`
 * (MREMAP_MAYMOVE | MREMAP_FIXED into unmapped space), piece by piece as `move_vma` does:
 * first KSM breaks every KSM page of the piece (`prep_move_vma` asks for MADV_UNMERGEABLE
 * on a copy of the flags, so the VMA stays mergeable), then its page-table entries move.
 * The pages keep their linear index (`pgoff` stays), so reverse mapping still finds them.
 */
export function mremap(m: Machine, mm: Mm, start: number, end: number, to: number): void {
  m.epoch++;
  splitVma(m, mm, start);
  splitVma(m, mm, end);
  const delta = to - start;
  const moving = mm.vmas.filter((v) => v.start >= start && v.end <= end);
  for (const vma of moving) {
    const at = mm.firstVmaAfter(vma.start + delta);
    if (mm.vmas[at] && mm.vmas[at]!.start < vma.end + delta && !moving.includes(mm.vmas[at]!))
      throw new RangeError(`mm ${mm.id}: page ${vma.start + delta} is mapped`);
  }
  for (const vma of moving) {
    if (vma.flags & VM_MERGEABLE) m.hooks?.madvise(mm, vma, vma.start, vma.end, "unmergeable");
    const pt = mm.pt;
    // from the top down when moving up, so that an overlapping move never overwrites itself
    const up = delta > 0;
    for (let k = 0, n = vma.end - vma.start; k < n; k++) {
      const vpn = up ? vma.end - 1 - k : vma.start + k;
      const bits = pt.bits(vpn);
      if (!bits) continue;
      pt.set(vpn + delta, pt.pfn(vpn), bits);
      pt.clear(vpn);
    }
    // move_huge_pmd: a THP wholly inside the piece moves with its PMD when the move keeps
    // 2 MiB alignment; otherwise its PMD is split and the PTEs move
    const moved: [number, number][] = [];
    for (let key = vma.start >>> THP_ORDER; key << THP_ORDER < vma.end; key++) {
      const block = mm.pmdMapped.get(key);
      if (block === undefined) continue;
      if (delta & (THP_PAGES - 1)) splitPmd(m, mm, key);
      else {
        mm.pmdMapped.delete(key);
        moved.push([key + delta / THP_PAGES, block]);
      }
    }
    for (const [key, block] of moved) mm.pmdMapped.set(key, block);
    vma.start += delta;
    vma.end += delta;
  }
  mm.vmas.sort((a, b) => a.start - b.start);
}
