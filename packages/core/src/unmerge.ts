import type { Machine, Mm } from "@ksm/mm";
import { findMergeableVma } from "./mm-slot.js";

/** `break_cow`: the page at `addr` gets a private copy again (a write fault's unshare), if its VMA is still mergeable. */
export function breakCow(machine: Machine, mm: Mm, addr: number): void {
  const vma = findMergeableVma(mm, addr);
  if (vma) machine.unshare(mm, vma, addr);
}
