import type { Machine } from "./machine.js";
import type { Mm } from "./mm.js";
import { PTE_WRITE } from "./page-table.js";
import { updateVmas, VM_READ, VM_WRITE } from "./vma.js";

/**
 * mprotect(2) of [start, end), a range of mapped pages: the VMAs get `prot` (`VM_READ` and
 * `VM_WRITE` bits; 0 is PROT_NONE), split at the ends of the range where their flags change. Taking write access away
 * write-protects every PTE; giving it back leaves them read-only, so the next write faults
 * and, on a shared or KSM page, copies it. KSM is not told: it goes on scanning and merging
 * the pages whatever their protection.
 */
export function mprotect(m: Machine, mm: Mm, start: number, end: number, prot: number): void {
  m.epoch++;
  updateVmas(m, mm, start, end, (flags) => (flags & ~(VM_READ | VM_WRITE)) | (prot & (VM_READ | VM_WRITE)));
  if (prot & VM_WRITE) return;
  for (let i = mm.firstVmaAfter(start); i < mm.vmas.length && mm.vmas[i]!.start < end; i++) {
    const vma = mm.vmas[i]!;
    for (let vpn = vma.start; vpn < vma.end; vpn++) {
      const bits = mm.pt.bits(vpn);
      if (bits & PTE_WRITE) mm.pt.setBits(vpn, bits & ~PTE_WRITE);
    }
  }
}
