import type { Machine } from "./machine.js";
import type { Mm } from "./mm.js";
import { PTE_WRITE } from "./page-table.js";
import { VM_READ, VM_WRITE } from "./vma.js";

/**
 * mprotect(2) of [start, end), a range of mapped pages: the VMAs are split at its ends and
 * get `prot` (`VM_READ` and `VM_WRITE` bits; 0 is PROT_NONE). Taking write access away
 * write-protects every PTE; giving it back leaves them read-only, so the next write faults
 * and, on a shared or KSM page, copies it. KSM is not told: it goes on scanning and merging
 * the pages whatever their protection.
 */
export function mprotect(m: Machine, mm: Mm, start: number, end: number, prot: number): void {
  m.epoch++;
  m.splitAt(mm, start);
  m.splitAt(mm, end);
  for (let i = mm.firstVmaAfter(start); i < mm.vmas.length && mm.vmas[i]!.start < end; i++) {
    const vma = mm.vmas[i]!;
    vma.flags = (vma.flags & ~(VM_READ | VM_WRITE)) | (prot & (VM_READ | VM_WRITE));
    if (prot & VM_WRITE) continue;
    for (let vpn = vma.start; vpn < vma.end; vpn++) {
      const bits = mm.pt.bits(vpn);
      if (bits & PTE_WRITE) mm.pt.setBits(vpn, bits & ~PTE_WRITE);
    }
  }
}
