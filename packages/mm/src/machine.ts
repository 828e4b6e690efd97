import { type ContentId, ContentStore, ZERO_CONTENT } from "./content.js";
import {
  FrameTable,
  NO_PFN,
  type Pfn,
  PG_ANON,
  PG_ANON_EXCLUSIVE,
  PG_DIRTY,
  PG_SWAPBACKED,
  PG_SWAPCACHE,
  THP_ORDER,
  THP_PAGES,
  ZERO_PFN,
} from "./frames.js";
import { type Advice, EINVAL, type Errno, type KsmHooks, type VmStat } from "./hooks.js";
import { dontneed, hugepageMadvise } from "./madvise.js";
import { MMF_VM_MERGE_ANY, Mm } from "./mm.js";
import { mprotect } from "./mprotect.js";
import { mremap } from "./mremap.js";
import { PTE_DIRTY, PTE_PRESENT, PTE_SPECIAL, PTE_SWAP, PTE_WRITE, PTE_YOUNG } from "./page-table.js";
import { NO_SLOT, SwapDevice } from "./swap.js";
import { anonHugePagesKb, pmdMaps, splitHugePage, splitPmd, splitPmdAt, thpFault } from "./thp.js";
import { type AnonVma, linearPageIndex, VM_READ, VM_WRITE, type Vma, vmaAddress } from "./vma.js";

/** Where the first mmap of every address space ends (virtual page number). */
const MMAP_BASE = 0x4000_0000;

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
}

/** Options of {@link Machine.mmap}. */
export interface MmapOptions {
  /** Extra VM_* flags (VM_SHARED, VM_PFNMAP, …). */
  readonly flags?: number;
  /** NUMA node new pages of this VMA are allocated on. */
  readonly node?: number;
}

/**
 * The machine KSM runs on: physical frames, interned contents and every address space,
 * with the fault paths (anonymous, zero page, copy-on-write, unshare), fork, exit, munmap,
 * madvise and prctl. KSM plugs in through {@link KsmHooks}.
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
  private nextMm = 1;
  private nextAnonVma = 1;

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
    this.frames = new FrameTable(opts.initialFrames ?? 1024);
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
    const vma = this.mmapAt(mm, mm.mmapTop - pages, pages, opts);
    mm.mmapTop = vma.start;
    return vma;
  }

  /**
   * Maps `pages` of private anonymous memory at page `start`, like
   * mmap(addr, …, MAP_FIXED_NOREPLACE): a RangeError where anything is mapped already.
   */
  mmapAt(mm: Mm, start: number, pages: number, opts: MmapOptions = {}): Vma {
    if (!Number.isInteger(pages) || pages <= 0) throw new RangeError("mmap needs a positive page count");
    const i = mm.firstVmaAfter(start);
    if (mm.vmas[i] && mm.vmas[i]!.start < start + pages)
      throw new RangeError(`mm ${mm.id}: page ${start} is mapped`);
    let flags = VM_READ | VM_WRITE | (opts.flags ?? 0);
    if (this.hooks) flags = this.hooks.vmaFlags(mm, flags);
    const vma: Vma = {
      mmId: mm.id,
      start,
      end: start + pages,
      flags,
      pgoff: start,
      anonVma: null,
      chain: [],
      node: opts.node ?? 0,
    };
    mm.vmas.splice(i, 0, vma);
    return vma;
  }

  /** The process writes a whole page: allocates, copies on write or reuses as the kernel does. */
  write(mm: Mm, vpn: number, content: ContentId): void {
    this.epoch++;
    const vma = this.vmaOrThrow(mm, vpn);
    if (mm.pt.bits(vpn) & PTE_SWAP) this.swapIn(mm, vma, vpn);
    const bits = mm.pt.bits(vpn);
    const f = this.frames;
    if (bits & PTE_PRESENT && !(bits & PTE_SPECIAL)) {
      const pfn = mm.pt.pfn(vpn);
      if (bits & PTE_WRITE) {
        f.content[pfn] = content;
        mm.pt.setBits(vpn, bits | PTE_DIRTY | PTE_YOUNG);
        return;
      }
      const ksm = f.isKsm(pfn);
      if (ksm) this.vmstat.cow_ksm++;
      else if (f.flags[pfn]! & PG_ANON_EXCLUSIVE || f.refcount[pfn] === 1) {
        // wp_can_reuse_anon_folio: the only user keeps the page.
        f.flags[pfn]! |= PG_ANON_EXCLUSIVE;
        f.content[pfn] = content;
        mm.pt.setBits(vpn, bits | PTE_WRITE | PTE_DIRTY | PTE_YOUNG);
        return;
      }
      // do_huge_pmd_wp_page: a shared THP falls back to copying the one 4 KiB page
      if (pmdMaps(mm, vpn, pfn)) splitPmd(this, mm, vpn >>> THP_ORDER);
      this.replaceWithNew(mm, vma, vpn, content, PTE_WRITE | PTE_DIRTY);
      return;
    }
    if (bits & PTE_SPECIAL && bits & PTE_DIRTY) this.ksmZeroGone(mm);
    if (!(bits & PTE_PRESENT) && thpFault(this, mm, vma, vpn)) {
      f.content[mm.pt.pfn(vpn)] = content;
      return;
    }
    this.replaceWithNew(mm, vma, vpn, content, PTE_WRITE | PTE_DIRTY);
  }

  /**
   * The process reads a page. Reading untouched memory maps the shared zero page when
   * {@link MachineOptions.zeroPageOnRead} is set (the default); otherwise it allocates a
   * zero-filled page.
   */
  read(mm: Mm, vpn: number): ContentId {
    this.epoch++;
    const vma = this.vmaOrThrow(mm, vpn);
    if (mm.pt.bits(vpn) & PTE_SWAP) this.swapIn(mm, vma, vpn);
    const bits = mm.pt.bits(vpn);
    if (!(bits & PTE_PRESENT)) {
      if (this.zeroPageOnRead) mm.pt.set(vpn, ZERO_PFN, PTE_PRESENT | PTE_SPECIAL | PTE_YOUNG);
      else this.replaceWithNew(mm, vma, vpn, ZERO_CONTENT, vma.flags & VM_WRITE ? PTE_WRITE | PTE_DIRTY : 0);
      return ZERO_CONTENT;
    }
    return this.frames.content[mm.pt.pfn(vpn)]!;
  }

  /** What the page at `vpn` holds, without faulting (untouched memory reads as zero). */
  peek(mm: Mm, vpn: number): ContentId {
    const bits = mm.pt.bits(vpn);
    if (bits & PTE_SWAP) return this.swap!.content[mm.pt.pfn(vpn)]!;
    return bits & PTE_PRESENT ? this.frames.content[mm.pt.pfn(vpn)]! : ZERO_CONTENT;
  }

  /**
   * `do_swap_page`: brings the page of a swap entry back, through the swap cache, and maps
   * it read-only (a write then takes the copy-on-write path). A page another process
   * already brought in is reused only where `ksm_might_need_to_copy` allows; otherwise the
   * process gets its own copy (`ksm_swpin_copy`).
   */
  private swapIn(mm: Mm, vma: Vma, vpn: number): void {
    const swap = this.swap!;
    const f = this.frames;
    const slot = mm.pt.pfn(vpn);
    let page = swap.cached(slot);
    if (page === NO_PFN) {
      page = f.alloc(swap.content[slot]!, this.nodeFor(vma));
      f.flags[page] = PG_ANON | PG_SWAPBACKED | PG_SWAPCACHE;
      f.swapSlot[page] = slot;
      swap.cache[slot] = page;
      this.vmstat.pswpin++;
    }
    let target = page;
    if (this.mustCopyOnSwapIn(page, vma, vpn)) {
      target = f.alloc(f.content[page]!, this.nodeFor(vma));
      f.flags[target] = PG_ANON | PG_SWAPBACKED;
      f.refcount[target] = 0;
      this.vmstat.ksm_swpin_copy++;
    }
    if (f.anonVma[target] === -1) {
      f.anonVma[target] = this.anonVmaPrepare(vma).id;
      f.index[target] = linearPageIndex(vma, vpn);
    }
    f.refcount[target]!++;
    f.mapcount[target]!++;
    mm.pt.set(vpn, target, PTE_PRESENT | PTE_YOUNG);
    this.putSwapEntry(slot);
    if (f.refcount[target] === 1 && f.mapcount[target] === 1 && !f.isKsm(target))
      f.flags[target]! |= PG_ANON_EXCLUSIVE;
  }

  /** `ksm_might_need_to_copy`: whether a swap-cache page must be copied for this mapping. */
  private mustCopyOnSwapIn(pfn: Pfn, vma: Vma, vpn: number): boolean {
    const f = this.frames;
    if (f.isKsm(pfn)) return !this.hooks?.ksmFolioReusable(pfn);
    const av = f.anonVma[pfn]!;
    if (av === -1) return false;
    return !(
      f.index[pfn] === linearPageIndex(vma, vpn) &&
      vma.anonVma !== null &&
      this.anonVmas.get(av)?.root === vma.anonVma.root
    );
  }

  /** Drops a swap entry's reference; a slot left unused leaves the swap cache and the device. */
  private putSwapEntry(slot: number): void {
    const swap = this.swap!;
    const cached = swap.cached(slot);
    if (!swap.put(slot)) return;
    if (cached !== NO_PFN) {
      swap.cache[slot] = NO_PFN;
      this.frames.flags[cached]! &= ~PG_SWAPCACHE;
      this.frames.swapSlot[cached] = -1;
      this.frames.put(cached);
    }
  }

  /**
   * Replaces every given mapping of `pfn` by a swap entry for a new slot holding its
   * content, and frees the frame (the end of reclaim: `try_to_unmap`, writeback and
   * `__remove_mapping` in one). Returns false, changing nothing, when swap is full or absent.
   */
  swapOut(pfn: Pfn, mappings: readonly { mm: Mm; vpn: number }[]): boolean {
    this.epoch++;
    const swap = this.swap;
    if (!swap || mappings.length === 0) return false;
    // reclaim splits a THP and writes out its pages one by one; a zero-filled one is gone
    if (this.splitHugePage(pfn) && this.frames.mapcount[pfn] !== mappings.length) return false;
    const slot = swap.alloc(this.frames.content[pfn]!, mappings.length);
    if (slot === NO_SLOT) return false;
    const f = this.frames;
    for (const { mm, vpn } of mappings) {
      mm.pt.set(vpn, slot, PTE_SWAP);
      f.mapcount[pfn]!--;
      f.put(pfn);
    }
    this.vmstat.pswpout++;
    return true;
  }

  /**
   * Moves a frame's page to NUMA node `node` (`migrate_pages` for one folio): a new frame
   * takes its content, flags and every given mapping; KSM is told so that the stable node
   * follows. Fails (pgmigrate_fail) when the frame has references beyond its mappings.
   */
  migrate(pfn: Pfn, node: number, mappings: readonly { mm: Mm; vpn: number }[]): Pfn {
    this.epoch++;
    const f = this.frames;
    this.splitHugePage(pfn); // migrate_pages splits a THP it cannot move whole
    const swapped = f.flags[pfn]! & PG_SWAPCACHE ? 1 : 0;
    if (f.refcount[pfn] !== f.mapcount[pfn]! + swapped || mappings.length !== f.mapcount[pfn]) {
      this.vmstat.pgmigrate_fail++;
      return NO_PFN;
    }
    const ksm = f.isKsm(pfn);
    const to = f.alloc(f.content[pfn]!, node);
    f.flags[to] = f.flags[pfn]!;
    f.anonVma[to] = f.anonVma[pfn]!;
    f.index[to] = f.index[pfn]!;
    f.refcount[to] = swapped;
    if (ksm) this.hooks?.migrateKsm(pfn, to);
    if (swapped) {
      const slot = f.swapSlot[pfn]!;
      this.swap!.cache[slot] = to;
      f.swapSlot[to] = slot;
      f.flags[pfn]! &= ~PG_SWAPCACHE;
      f.put(pfn);
    }
    for (const { mm, vpn } of mappings) {
      mm.pt.set(vpn, to, mm.pt.bits(vpn));
      f.refcount[to]!++;
      f.mapcount[to]!++;
      f.mapcount[pfn]!--;
      f.put(pfn);
    }
    this.vmstat.pgmigrate_success++;
    return to;
  }

  /**
   * Checks the machine's own invariants and returns what is wrong (empty when all hold):
   * every frame's mapcount equals the PTEs mapping it and its refcount that plus its swap
   * cache reference; no free frame is mapped; every swap slot's count equals the swap
   * entries referring to it.
   */
  audit(): string[] {
    const f = this.frames;
    const maps = new Int32Array(f.size);
    const slots = new Map<number, number>();
    const out: string[] = [];
    for (const mm of this.mms.values())
      for (const vma of mm.vmas)
        for (let vpn = vma.start; vpn < vma.end; vpn++) {
          const bits = mm.pt.bits(vpn);
          if (bits & PTE_SWAP) slots.set(mm.pt.pfn(vpn), (slots.get(mm.pt.pfn(vpn)) ?? 0) + 1);
          else if ((bits & (PTE_PRESENT | PTE_SPECIAL)) === PTE_PRESENT) maps[mm.pt.pfn(vpn)]!++;
        }
    for (let pfn = 1; pfn < f.size; pfn++) {
      if (f.isFree(pfn)) {
        if (maps[pfn]) out.push(`pfn ${pfn} is free but mapped ${maps[pfn]} times`);
        continue;
      }
      if (f.mapcount[pfn] !== maps[pfn])
        out.push(`pfn ${pfn}: mapcount ${f.mapcount[pfn]}, mapped ${maps[pfn]} times`);
      const cacheRef = f.flags[pfn]! & PG_SWAPCACHE ? 1 : 0;
      if (f.refcount[pfn] !== maps[pfn]! + cacheRef)
        out.push(`pfn ${pfn}: refcount ${f.refcount[pfn]}, expected ${maps[pfn]! + cacheRef}`);
    }
    for (const [slot, n] of slots)
      if (this.swap!.count[slot] !== n)
        out.push(`swap slot ${slot}: count ${this.swap!.count[slot]}, ${n} entries`);
    return out;
  }

  /** @internal The node new pages of a VMA go to: its own, unless that node is offline. */
  nodeFor(vma: Vma): number {
    const node = vma.node;
    if (!this.offline.has(node)) return node;
    for (let n = 0; n < this.nodes; n++) if (!this.offline.has(n)) return n;
    return node;
  }

  /**
   * An unshare fault (`FAULT_FLAG_UNSHARE`, as `break_ksm` raises): a KSM page or a
   * KSM-placed zero page at `vpn` is replaced by a private, read-only copy.
   * Returns whether anything was unshared.
   */
  unshare(mm: Mm, vma: Vma, vpn: number): boolean {
    this.epoch++;
    const bits = mm.pt.bits(vpn);
    if (!(bits & PTE_PRESENT)) return false;
    if (bits & PTE_SPECIAL) {
      if (!(bits & PTE_DIRTY)) return false;
      this.ksmZeroGone(mm);
      this.replaceWithNew(mm, vma, vpn, ZERO_CONTENT, 0);
      return true;
    }
    const pfn = mm.pt.pfn(vpn);
    if (!this.frames.isKsm(pfn)) return false;
    this.vmstat.cow_ksm++;
    this.replaceWithNew(mm, vma, vpn, this.frames.content[pfn]!, 0);
    return true;
  }

  /** fork(): a new address space sharing every anonymous page copy-on-write. */
  fork(parent: Mm): Mm {
    this.epoch++;
    const child = this.createMm();
    child.flags = parent.flags & MMF_VM_MERGE_ANY;
    child.mmapTop = parent.mmapTop;
    const f = this.frames;
    for (const pv of parent.vmas) {
      const cv: Vma = { ...pv, mmId: child.id, anonVma: null, chain: [] };
      if (pv.anonVma) {
        for (const av of pv.chain) {
          av.vmas.add(cv);
          cv.chain.push(av);
        }
        const own: AnonVma = { id: this.nextAnonVma++, root: pv.anonVma.root, vmas: new Set([cv]) };
        this.anonVmas.set(own.id, own);
        cv.chain.push(own);
        cv.anonVma = own;
      }
      child.vmas.push(cv);
      for (let vpn = pv.start; vpn < pv.end; vpn++) {
        const bits = parent.pt.bits(vpn);
        if (bits & PTE_SWAP) {
          this.swap!.count[parent.pt.pfn(vpn)]!++;
          child.pt.set(vpn, parent.pt.pfn(vpn), bits);
          continue;
        }
        if (!(bits & PTE_PRESENT)) continue;
        const pfn = parent.pt.pfn(vpn);
        if (bits & PTE_SPECIAL) {
          if (bits & PTE_DIRTY) child.ksmZeroPages++;
        } else {
          f.refcount[pfn]!++;
          f.mapcount[pfn]!++;
          f.flags[pfn]! &= ~PG_ANON_EXCLUSIVE;
          if (bits & PTE_WRITE) parent.pt.setBits(vpn, bits & ~PTE_WRITE);
        }
        child.pt.set(vpn, pfn, bits & ~(PTE_WRITE | PTE_YOUNG));
      }
    }
    // copy_huge_pmd: the child maps each THP with a PMD too
    for (const [key, block] of parent.pmdMapped) child.pmdMapped.set(key, block);
    this.hooks?.fork(parent, child);
    return child;
  }

  /** The process exits: KSM is told first, then every mapping is torn down. */
  exit(mm: Mm): void {
    this.epoch++;
    this.hooks?.exit(mm);
    mm.users = 0;
    mm.pmdMapped.clear();
    for (const vma of mm.vmas) this.zapVma(mm, vma);
    mm.vmas.length = 0;
    this.mms.delete(mm.id);
  }

  /** munmap(2) of [start, end): whole VMAs or parts of them; holes are fine. */
  munmap(mm: Mm, start: number, end: number): void {
    this.epoch++;
    this.splitAt(mm, start);
    this.splitAt(mm, end);
    const keep: Vma[] = [];
    for (const vma of mm.vmas) {
      if (vma.start >= start && vma.end <= end) this.zapVma(mm, vma);
      else keep.push(vma);
    }
    mm.vmas.length = 0;
    mm.vmas.push(...keep);
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

  /**
   * Every mapping of the anonymous frame `pfn`: each VMA chained to its anon_vma that maps it
   * at its index (the core of `rmap_walk_anon`).
   */
  anonMappings(pfn: Pfn): { mm: Mm; vma: Vma; vpn: number }[] {
    const av = this.anonVmas.get(this.frames.anonVma[pfn]!);
    if (!av) return [];
    const index = this.frames.index[pfn]!;
    const out: { mm: Mm; vma: Vma; vpn: number }[] = [];
    for (const vma of av.vmas) {
      const vpn = vmaAddress(vma, index);
      if (vpn < vma.start || vpn >= vma.end) continue;
      const mm = this.mms.get(vma.mmId);
      if (!mm || (mm.pt.bits(vpn) & (PTE_PRESENT | PTE_SPECIAL)) !== PTE_PRESENT || mm.pt.pfn(vpn) !== pfn)
        continue;
      out.push({ mm, vma, vpn });
    }
    return out;
  }

  /** mremap(2) moving [start, end) to `to`: see {@link mremap}. */
  mremap(mm: Mm, start: number, end: number, to: number): void {
    mremap(this, mm, start, end, to);
  }

  /** madvise(2) MADV_MERGEABLE / MADV_UNMERGEABLE over [start, end); KSM decides per VMA. */
  madvise(mm: Mm, start: number, end: number, advice: Advice): Errno {
    this.epoch++;
    const hooks = this.hooks;
    if (!hooks) return EINVAL;
    if (end <= start) return 0;
    for (let i = mm.firstVmaAfter(start); i < mm.vmas.length && mm.vmas[i]!.start < end; i++) {
      const vma = mm.vmas[i]!;
      const s = Math.max(start, vma.start);
      const e = Math.min(end, vma.end);
      const flags = hooks.madvise(mm, vma, s, e, advice);
      if (flags < 0) return flags;
      if (flags === vma.flags) continue;
      this.splitAt(mm, s);
      this.splitAt(mm, e);
      const j = mm.firstVmaAfter(s);
      mm.vmas[j]!.flags = flags;
      i = j;
    }
    return 0;
  }

  /** prctl(PR_SET_MEMORY_MERGE, on). */
  prctlSetMemoryMerge(mm: Mm, on: boolean): Errno {
    this.epoch++;
    return this.hooks ? this.hooks.setMergeAny(mm, on) : EINVAL;
  }

  /**
   * `folio_walk` as KSM uses it: the anonymous frame mapped at `vpn`, or NO_PFN for an
   * empty PTE, a zero-page PTE or a non-anonymous page.
   */
  followAnonPage(mm: Mm, vpn: number): Pfn {
    const leaf = mm.pt.leaf(vpn, false);
    if (!leaf) return NO_PFN;
    const slot = vpn & 511;
    if ((leaf.bits[slot]! & (PTE_PRESENT | PTE_SPECIAL)) !== PTE_PRESENT) return NO_PFN;
    const pfn = leaf.pfn[slot]!;
    return this.frames.flags[pfn]! & PG_ANON ? pfn : NO_PFN;
  }

  /**
   * `write_protect_page`: makes the PTE read-only and clean so the page can be shared.
   * Fails when the page has references beyond its mappings (pins, I/O in flight).
   */
  writeProtect(mm: Mm, vpn: number, pfn: Pfn): boolean {
    const bits = mm.pt.bits(vpn);
    if (!(bits & PTE_PRESENT) || mm.pt.pfn(vpn) !== pfn) return false;
    const f = this.frames;
    if (bits & (PTE_WRITE | PTE_DIRTY) || f.flags[pfn]! & PG_ANON_EXCLUSIVE) {
      const swapped = f.flags[pfn]! & PG_SWAPCACHE ? 1 : 0;
      if (f.mapcount[pfn]! + swapped !== f.refcount[pfn]) return false;
      f.flags[pfn]! &= ~PG_ANON_EXCLUSIVE;
      if (bits & PTE_DIRTY) f.flags[pfn]! |= PG_DIRTY;
      mm.pt.setBits(vpn, bits & ~(PTE_WRITE | PTE_DIRTY));
    }
    return true;
  }

  /**
   * `replace_page`: maps `kpfn` (a KSM page, or the zero page) at `vpn` in place of `pfn`.
   * A zero page goes in as a special, dirty PTE: a KSM-placed zero page.
   */
  replacePage(mm: Mm, vpn: number, pfn: Pfn, kpfn: Pfn): void {
    const f = this.frames;
    if (kpfn === ZERO_PFN) {
      mm.pt.set(vpn, ZERO_PFN, PTE_PRESENT | PTE_SPECIAL | PTE_DIRTY);
      mm.ksmZeroPages++;
    } else {
      f.refcount[kpfn]!++;
      f.mapcount[kpfn]!++;
      mm.pt.set(vpn, kpfn, PTE_PRESENT | PTE_YOUNG);
    }
    f.mapcount[pfn]!--;
    f.put(pfn);
  }

  private replaceWithNew(mm: Mm, vma: Vma, vpn: number, content: ContentId, pteBits: number): void {
    const old = mm.pt.bits(vpn) & PTE_PRESENT ? mm.pt.pfn(vpn) : NO_PFN;
    const pfn = this.frames.alloc(content, this.nodeFor(vma));
    const f = this.frames;
    f.flags[pfn] = PG_ANON | PG_SWAPBACKED | PG_ANON_EXCLUSIVE | (pteBits & PTE_DIRTY ? PG_DIRTY : 0);
    f.mapcount[pfn] = 1;
    f.anonVma[pfn] = this.anonVmaPrepare(vma).id;
    f.index[pfn] = linearPageIndex(vma, vpn);
    mm.pt.set(vpn, pfn, PTE_PRESENT | PTE_YOUNG | pteBits);
    if (old !== NO_PFN && old !== ZERO_PFN) {
      f.mapcount[old]!--;
      f.put(old);
    }
  }

  /** @internal `anon_vma_prepare`: the VMA's anon_vma, made at its first anonymous fault. */
  anonVmaPrepare(vma: Vma): AnonVma {
    if (vma.anonVma) return vma.anonVma;
    const av = { id: this.nextAnonVma++, vmas: new Set([vma]) } as AnonVma;
    av.root = av;
    this.anonVmas.set(av.id, av);
    vma.anonVma = av;
    vma.chain.push(av);
    return av;
  }

  private ksmZeroGone(mm: Mm): void {
    mm.ksmZeroPages--;
    this.hooks?.zeroPageUnmapped(mm);
  }

  private zapVma(mm: Mm, vma: Vma): void {
    this.zapRange(mm, vma.start, vma.end);
    for (const av of vma.chain) av.vmas.delete(vma);
  }

  /**
   * @internal `zap_pte_range`: drops every mapping and swap entry of [start, end), which lie
   * inside VMAs of `mm`.
   */
  zapRange(mm: Mm, start: number, end: number): void {
    this.epoch++;
    const f = this.frames;
    // zap_pmd_range: a THP wholly inside the range goes with its PMD; one the range cuts is split
    for (const key of mm.pmdMapped.keys()) {
      const base = key << THP_ORDER;
      if (base + THP_PAGES <= start || base >= end) continue;
      if (base >= start && base + THP_PAGES <= end)
        mm.pmdMapped.delete(key); // zap_huge_pmd
      else splitPmd(this, mm, key);
    }
    for (let vpn = start; vpn < end; vpn++) {
      const bits = mm.pt.bits(vpn);
      if (bits & PTE_SWAP) {
        const slot = mm.pt.pfn(vpn);
        mm.pt.clear(vpn);
        this.putSwapEntry(slot);
        continue;
      }
      if (!(bits & PTE_PRESENT)) continue;
      if (bits & PTE_SPECIAL) {
        if (bits & PTE_DIRTY) this.ksmZeroGone(mm);
      } else {
        const pfn = mm.pt.pfn(vpn);
        f.mapcount[pfn]!--;
        f.put(pfn);
      }
      mm.pt.clear(vpn);
    }
  }

  /** @internal `split_vma`: makes `vpn` the start of a VMA if a VMA spans it. */
  splitAt(mm: Mm, vpn: number): void {
    const vma = mm.findVma(vpn);
    if (!vma || vma.start === vpn) return;
    splitPmdAt(this, mm, vpn);
    const tail: Vma = {
      ...vma,
      start: vpn,
      pgoff: linearPageIndex(vma, vpn),
      chain: [...vma.chain],
    };
    for (const av of vma.chain) av.vmas.add(tail);
    vma.end = vpn;
    mm.vmas.splice(mm.vmas.indexOf(vma) + 1, 0, tail);
  }

  private vmaOrThrow(mm: Mm, vpn: number): Vma {
    const vma = mm.findVma(vpn);
    if (!vma) throw new RangeError(`mm ${mm.id}: no VMA at page ${vpn} (SIGSEGV)`);
    return vma;
  }
}
