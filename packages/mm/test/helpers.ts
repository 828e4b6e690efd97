import {
  type KsmHooks,
  Machine,
  type MachineOptions,
  type Mm,
  PG_KSM,
  PTE_PRESENT,
  PTE_WRITE,
  VM_MERGEABLE,
} from "@ksm/mm";
import { expect } from "vitest";

/** 2^64 - 1. */
export const MASK64 = (1n << 64n) - 1n;

/** splitmix64 written straight from SCENARIO.md, as an independent reference. */
export function referenceSplitmix64(s: bigint): bigint {
  const x = (s + 0x9e3779b97f4a7c15n) & MASK64;
  let z = ((x ^ (x >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return z ^ (z >> 31n);
}

/** KSM hooks that only flip VM_MERGEABLE on madvise, and do nothing else. */
export function fakeHooks(): KsmHooks {
  return {
    madvise: (_mm, vma, _s, _e, advice) =>
      advice === "mergeable" ? vma.flags | VM_MERGEABLE : vma.flags & ~VM_MERGEABLE,
    setMergeAny: () => 0,
    vmaFlags: (_mm, flags) => flags,
    fork: () => {},
    exit: () => {},
    zeroPageUnmapped: () => {},
    ksmFolioReusable: () => false,
    migrateKsm: () => {},
  };
}

export function setup(pages = 4, opts: { zeroPageOnRead?: boolean } = {}) {
  const m = new Machine(opts);
  const mm = m.createMm();
  const vma = m.mmap(mm, pages);
  return { m, mm, vma };
}

export const present = (mm: Mm, vpn: number) => (mm.pt.bits(vpn) & PTE_PRESENT) !== 0;
export const writable = (mm: Mm, vpn: number) => (mm.pt.bits(vpn) & PTE_WRITE) !== 0;

/** Two processes with one equal page each; the second's is merged into the first's (a KSM page). */
export function merged(opts: MachineOptions = {}) {
  const m = new Machine(opts);
  const p = m.createMm();
  const q = m.createMm();
  const vp = m.mmap(p, 1);
  const vq = m.mmap(q, 1);
  const a = m.contents.pattern(20n);
  m.write(p, vp.start, a);
  m.write(q, vq.start, a);
  const kpfn = p.pt.pfn(vp.start);
  const other = q.pt.pfn(vq.start);
  expect(m.writeProtect(p, vp.start, kpfn)).toBe(true);
  m.frames.flags[kpfn]! |= PG_KSM;
  expect(m.writeProtect(q, vq.start, other)).toBe(true);
  m.replacePage(q, vq.start, other, kpfn);
  return { m, p, q, vp, vq, a, kpfn, other };
}
