import { type AnonMapping, anonMappings, anonVmaPrepare } from "./anon-vma.js";
import { auditMachine } from "./audit.js";
import { type ContentId, ContentStore, ZERO_CONTENT } from "./content.js";
import { readFault, unshareFault, writeFault } from "./fault.js";
import { fork } from "./fork.js";
import { FrameTable, type Pfn } from "./frames.js";
import { type Advice, EINVAL, type Errno, type KsmHooks, type VmStat } from "./hooks.js";
import { followAnonPage, replacePage, writeProtectPage } from "./ksm-ops.js";
import { dontneed, hugepageMadvise, madviseMergeable } from "./madvise.js";
import { migratePage } from "./migrate.js";
import { Mm } from "./mm.js";
import { exitMmap, mmapRegion, munmap, splitVma, zapRange } from "./mmap.js";
import { mprotect } from "./mprotect.js";
import { mremap } from "./mremap.js";
import { MMAP_BASE, PTE_PRESENT, PTE_SWAP } from "./page-table.js";
import { SwapDevice, swapOut } from "./swap.js";
import { anonHugePagesKb, splitHugePage } from "./thp.js";
import type { AnonVma, Vma } from "./vma.js";

/** Options of a {@link Machine}. */
export interface MachineOptions {
  /** Frames to reserve up front. */
  readonly initialFrames?: number;
  /**
   * Whether a read fault on untouched anonymous memory maps the shared zero page (default
   * true, as mainline Linux does). False allocates a zero-filled page instead, which KSM then
   * sees as an ordinary anonymous page: some kernels have been seen to do so. Scenarios do not
   * depend on it: they write every page at setup.
   */
  readonly zeroPageOnRead?: boolean;
  /** Pages of swap space (default none). */
  readonly swapPages?: number;
  /** NUMA nodes (default 1). */
  readonly nodes?: number;
  /** Frames of RAM, the zero page excluded (default: unlimited; reclaim targets need it). */
  readonly memoryPages?: number;
  /**
   * Whether frames remember their allocation order (`FrameTable.allocSeq`, 4 bytes a frame),
   * which reclaim policies such as FIFO and LRU read (default true). A machine that will see
   * no reclaim by policy can do without.
   */
  readonly allocationOrder?: boolean;
}

/** Options of {@link Machine.mmap}. */
export interface MmapOptions {
  /** Extra VM_* flags (VM_SHARED, VM_PFNMAP, …). */
  readonly flags?: number;
  /** NUMA node new pages of this VMA are allocated on. */
  readonly node?: number;
}

/**
 * The machine KSM runs on: physical frames, interned contents and every address space. Its
 * methods are the system calls and faults a workload makes and the operations KSM calls;
 * each is kept in the file of its kernel concept (`fault.ts`, `swap.ts`, `migrate.ts`,
 * `mmap.ts`, `fork.ts`, `ksm-ops.ts`, `anon-vma.ts`, `madvise.ts`, …), which works on the
 * state held here. KSM plugs in through {@link KsmHooks}.
 */
export class Machine {
  readonly contents = new ContentStore();
  readonly frames: FrameTable;
  readonly mms = new Map<number, Mm>();
  readonly vmstat: VmStat = {
    cow_ksm: 0,
    ksm_swpin_copy: 0,
    pswpin: 0,
    pswpout: 0,
    pgmigrate_success: 0,
    pgmigrate_fail: 0,
    thp_split_page: 0,
    thp_split_pmd: 0,
  };
  hooks: KsmHooks | null = null;
  /**
   * Bumped by every change to memory made outside KSM's own merging (faults, fork, exit,
   * munmap, madvise, swap, migration, unshare): while it stands still, a page KSM looked at
   * is still mapped where it was, with the same content.
   */
  epoch = 0;
  /** Every anon_vma by id (rmap walks start from a frame's anon_vma id). */
  readonly anonVmas = new Map<number, AnonVma>();
  /** @internal The id the next anon_vma gets (`anon-vma.ts`). */
  nextAnonVma = 1;
  private nextMm = 1;

  /** Whether a read fault on untouched memory maps the shared zero page (see {@link read}). */
  readonly zeroPageOnRead: boolean;

  /** The swap device, if the machine has swap. */
  readonly swap: SwapDevice | null;
  /** NUMA nodes. */
  readonly nodes: number;
  /** Frames of RAM (Infinity when unlimited). */
  readonly memoryPages: number;
  /** Nodes taken offline: new pages go to another node. */
  readonly offline = new Set<number>();

  constructor(opts: MachineOptions = {}) {
    this.frames = new FrameTable(opts.initialFrames ?? 1024, opts.allocationOrder ?? true);
    this.zeroPageOnRead = opts.zeroPageOnRead ?? true;
    this.swap = opts.swapPages ? new SwapDevice(opts.swapPages) : null;
    this.nodes = Math.max(1, opts.nodes ?? 1);
    this.memoryPages = opts.memoryPages ?? Number.POSITIVE_INFINITY;
  }

  /** Free frames of RAM (`memoryPages` less those allocated). */
  get freePages(): number {
    return this.memoryPages - (this.frames.allocated - 1);
  }

  /** A new, empty address space (a new process). */
  createMm(): Mm {
    const mm = new Mm(this.nextMm++, MMAP_BASE);
    this.mms.set(mm.id, mm);
    return mm;
  }

  /** Maps `pages` of private anonymous memory top-down, like mmap(NULL, …). */
  mmap(mm: Mm, pages: number, opts: MmapOptions = {}): Vma {
    const vma = mmapRegion(this, mm, mm.mmapTop - pages, pages, opts);
    mm.mmapTop = vma.start;
    return vma;
  }

  /**
   * Maps `pages` of private anonymous memory at page `start`, like
   * mmap(addr, …, MAP_FIXED_NOREPLACE): a RangeError where anything is mapped already.
   */
  mmapAt(mm: Mm, start: number, pages: number, opts: MmapOptions = {}): Vma {
    return mmapRegion(this, mm, start, pages, opts);
  }

  /** The process writes a whole page: allocates, copies on write or reuses as the kernel does ({@link writeFault}). */
  write(mm: Mm, vpn: number, content: ContentId): void {
    writeFault(this, mm, vpn, content);
  }

  /**
   * The process reads a page. Reading untouched memory maps the shared zero page when
   * {@link MachineOptions.zeroPageOnRead} is set (the default); otherwise it allocates a
   * zero-filled page ({@link readFault}).
   */
  read(mm: Mm, vpn: number): ContentId {
    return readFault(this, mm, vpn);
  }

  /** What the page at `vpn` holds, without faulting (untouched memory reads as zero). */
  peek(mm: Mm, vpn: number): ContentId {
    const bits = mm.pt.bits(vpn);
    if (bits & PTE_SWAP) return this.swap!.content[mm.pt.pfn(vpn)]!;
    return bits & PTE_PRESENT ? this.frames.content[mm.pt.pfn(vpn)]! : ZERO_CONTENT;
  }

  /** Swaps a frame out through every given mapping: see {@link swapOut}. */
  swapOut(pfn: Pfn, mappings: readonly { mm: Mm; vpn: number }[]): boolean {
    return swapOut(this, pfn, mappings);
  }

  /** Moves a frame's page to NUMA node `node`: see {@link migratePage}. */
  migrate(pfn: Pfn, node: number, mappings: readonly { mm: Mm; vpn: number }[]): Pfn {
    return migratePage(this, pfn, node, mappings);
  }

  /** The machine's own invariants, and what breaks them: see {@link auditMachine}. */
  audit(): string[] {
    return auditMachine(this);
  }

  /** @internal The node new pages of a VMA go to: its own, unless that node is offline. */
  nodeFor(vma: Vma): number {
    const node = vma.node;
    if (!this.offline.has(node)) return node;
    for (let n = 0; n < this.nodes; n++) if (!this.offline.has(n)) return n;
    return node;
  }

  /** An unshare fault of a KSM page or KSM-placed zero page: see {@link unshareFault}. */
  unshare(mm: Mm, vma: Vma, vpn: number): boolean {
    return unshareFault(this, mm, vma, vpn);
  }

  /** fork(): a new address space sharing every anonymous page copy-on-write ({@link fork}). */
  fork(parent: Mm): Mm {
    return fork(this, parent);
  }

  /** The process exits: KSM is told first, then every mapping is torn down ({@link exitMmap}). */
  exit(mm: Mm): void {
    exitMmap(this, mm);
  }

  /** munmap(2) of [start, end): whole VMAs or parts of them; holes are fine. */
  munmap(mm: Mm, start: number, end: number): void {
    munmap(this, mm, start, end);
  }

  /** mprotect(2) of [start, end): see {@link mprotect}. */
  mprotect(mm: Mm, start: number, end: number, prot: number): void {
    mprotect(this, mm, start, end, prot);
  }

  /** madvise(MADV_DONTNEED) of [start, end): see {@link dontneed}. */
  dontneed(mm: Mm, start: number, end: number): void {
    dontneed(this, mm, start, end);
  }

  /** madvise(MADV_HUGEPAGE) (`on`) or MADV_NOHUGEPAGE of [start, end): see {@link hugepageMadvise}. */
  hugepageMadvise(mm: Mm, start: number, end: number, on: boolean): void {
    hugepageMadvise(this, mm, start, end, on);
  }

  /** `split_huge_page` of the THP holding `pfn`: see {@link splitHugePage}. */
  splitHugePage(pfn: Pfn): boolean {
    return splitHugePage(this, pfn);
  }

  /** `AnonHugePages` of the address space, kB: see {@link anonHugePagesKb}. */
  anonHugePagesKb(mm: Mm): number {
    return anonHugePagesKb(mm);
  }

  /** Every mapping of the anonymous frame `pfn` (`rmap_walk_anon`): see {@link anonMappings}. */
  anonMappings(pfn: Pfn): AnonMapping[] {
    return anonMappings(this, pfn);
  }

  /** mremap(2) moving [start, end) to `to`: see {@link mremap}. */
  mremap(mm: Mm, start: number, end: number, to: number): void {
    mremap(this, mm, start, end, to);
  }

  /** madvise(2) MADV_MERGEABLE / MADV_UNMERGEABLE over [start, end); KSM decides per VMA ({@link madviseMergeable}). */
  madvise(mm: Mm, start: number, end: number, advice: Advice): Errno {
    return madviseMergeable(this, mm, start, end, advice);
  }

  /** prctl(PR_SET_MEMORY_MERGE, on): KSM's `setMergeAny`, or EINVAL without KSM. */
  prctlSetMemoryMerge(mm: Mm, on: boolean): Errno {
    this.epoch++;
    return this.hooks ? this.hooks.setMergeAny(mm, on) : EINVAL;
  }

  /** The anonymous frame mapped at `vpn`, or NO_PFN: see {@link followAnonPage}. */
  followAnonPage(mm: Mm, vpn: number): Pfn {
    return followAnonPage(this.frames, mm, vpn);
  }

  /** `write_protect_page` of `pfn` at `vpn`: see {@link writeProtectPage}. */
  writeProtect(mm: Mm, vpn: number, pfn: Pfn): boolean {
    return writeProtectPage(this.frames, mm, vpn, pfn);
  }

  /** `replace_page`: maps `kpfn` at `vpn` in place of `pfn`; see {@link replacePage}. */
  replacePage(mm: Mm, vpn: number, pfn: Pfn, kpfn: Pfn): void {
    replacePage(this.frames, mm, vpn, pfn, kpfn);
  }

  /** @internal `anon_vma_prepare`: see {@link anonVmaPrepare}. */
  anonVmaPrepare(vma: Vma): AnonVma {
    return anonVmaPrepare(this, vma);
  }

  /** @internal `zap_pte_range` of [start, end): see {@link zapRange}. */
  zapRange(mm: Mm, start: number, end: number): void {
    zapRange(this, mm, start, end);
  }

  /** @internal `split_vma`: makes `vpn` the start of a VMA if a VMA spans it ({@link splitVma}). */
  splitAt(mm: Mm, vpn: number): void {
    splitVma(this, mm, vpn);
  }
}
