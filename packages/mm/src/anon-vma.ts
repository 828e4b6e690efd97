import type { Pfn } from "./frames.js";
import type { Machine } from "./machine.js";
import type { Mm } from "./mm.js";
import { PTE_PRESENT, PTE_SPECIAL } from "./page-table.js";
import { type AnonVma, type Vma, vmaAddress } from "./vma.js";

/** One mapping of a frame: the address space, its VMA and the virtual page. */
export interface AnonMapping {
  readonly mm: Mm;
  readonly vma: Vma;
  readonly vpn: number;
}

/** `anon_vma_prepare`: the VMA's anon_vma, made (and registered in `m.anonVmas`) at its first anonymous fault. */
export function anonVmaPrepare(m: Machine, vma: Vma): AnonVma {
  if (vma.anonVma) return vma.anonVma;
  const av = { id: m.nextAnonVma++, vmas: new Set([vma]) } as AnonVma;
  av.root = av;
  m.anonVmas.set(av.id, av);
  vma.anonVma = av;
  vma.chain.push(av);
  return av;
}

/**
 * `anon_vma_fork`: the child VMA `cv` of a fork is chained to every anon_vma of its parent
 * `pv` and gets an anon_vma of its own under the same root, so the rmap walk of a page the
 * parent faulted finds the child's mapping too. Nothing to do for a parent VMA never faulted.
 */
export function anonVmaFork(m: Machine, pv: Vma, cv: Vma): void {
  if (!pv.anonVma) return;
  for (const av of pv.chain) {
    av.vmas.add(cv);
    cv.chain.push(av);
  }
  const own: AnonVma = { id: m.nextAnonVma++, root: pv.anonVma.root, vmas: new Set([cv]) };
  m.anonVmas.set(own.id, own);
  cv.chain.push(own);
  cv.anonVma = own;
}

/** `unlink_anon_vmas`: the VMA leaves every anon_vma it is chained to (it is being unmapped). */
export function unlinkAnonVmas(vma: Vma): void {
  for (const av of vma.chain) av.vmas.delete(vma);
}

/**
 * Every mapping of the anonymous frame `pfn`: each VMA chained to its anon_vma that maps it
 * at its index (the core of `rmap_walk_anon`).
 */
export function anonMappings(m: Machine, pfn: Pfn): AnonMapping[] {
  const av = m.anonVmas.get(m.frames.anonVma[pfn]!);
  if (!av) return [];
  const index = m.frames.index[pfn]!;
  const out: AnonMapping[] = [];
  for (const vma of av.vmas) {
    const vpn = vmaAddress(vma, index);
    if (vpn < vma.start || vpn >= vma.end) continue;
    const mm = m.mms.get(vma.mmId);
    if (!mm || (mm.pt.bits(vpn) & (PTE_PRESENT | PTE_SPECIAL)) !== PTE_PRESENT || mm.pt.pfn(vpn) !== pfn)
      continue;
    out.push({ mm, vma, vpn });
  }
  return out;
}
