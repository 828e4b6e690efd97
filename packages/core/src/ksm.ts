import {
  type ChecksumPolicy,
  type ContentIndexFactory,
  type CostCounters,
  type KsmProfile,
  NIL,
  type ScanPolicy,
  type SkipState,
  smartScanSkip,
  zeroCost,
} from "@ksm/contracts";
import {
  type Advice,
  EBUSY,
  type Errno,
  type KsmHooks,
  type Machine,
  MMF_VM_MERGE_ANY,
  MMF_VM_MERGEABLE,
  type Mm,
  NO_PFN,
  type Pfn,
  VM_KSM_INCOMPATIBLE,
  VM_MERGEABLE,
  type Vma,
  vmaKsmCompatible,
} from "@ksm/mm";
import type { Rmap, RmapWalkControl } from "@ksm/rmap";
import {
  type AdvisorContext,
  type CpuModel,
  cpuTimeNs,
  DEFAULT_CPU_MODEL,
  scanTimeAdvisor,
} from "./advisor.js";
import { PageChecksums } from "./checksum.js";
import type { KsmClock } from "./clock.js";
import type { KnobName, Knobs } from "./knobs.js";
import { Merge } from "./merge.js";
import { type KsmStat, type MmSlot, MmSlots } from "./mm-slot.js";
import { LINUX_6_18 } from "./profile.js";
import { RmapItems } from "./rmap-item.js";
import { StableNodes } from "./stable-node.js";
import { StableTree } from "./stable-tree.js";
import { type KnobEffects, type KsmCounters, KsmSysfs, RUN_MERGE, RUN_UNMERGE } from "./sysfs.js";
import { UnstableTree } from "./unstable-tree.js";

/** What the Ksm model is built from. */
export interface KsmOptions {
  readonly machine: Machine;
  readonly checksum: ChecksumPolicy;
  /** What the stable and unstable trees are kept in (the kernel: a red-black tree). */
  readonly index: ContentIndexFactory;
  /** Scan order and pace; without one, the kernel's (smart scan when the knob says so). */
  readonly scan?: ScanPolicy;
  /** Kernel era whose behaviours to follow (default Linux 6.18). */
  readonly profile?: KsmProfile;
  /** How much simulated ksmd CPU time work costs (advances the clock; feeds the advisor). */
  readonly cpuModel?: CpuModel;
  /** NUMA nodes of the machine (trees per node when merge_across_nodes is 0). */
  readonly nodes?: number;
  /** Reverse mapping to extend with KSM's walker (`rmap_walk_ksm`). */
  readonly rmap?: Rmap;
}

/**
 * Linux 6.18 KSM: the mm_slot list and scan cursor, rmap_items, the stable tree with
 * chains and dups, the unstable tree, `cmp_and_merge_page`, smart scan, zero pages, the
 * knobs and every counter, driven by a simulated clock. Registers itself as the machine's
 * {@link KsmHooks}.
 */
export class Ksm implements KsmHooks {
  readonly machine: Machine;
  /** The knobs and counters of /sys/kernel/mm/ksm. */
  readonly sysfs: KsmSysfs;
  readonly knobs: Knobs;
  readonly items: RmapItems;
  readonly nodes: StableNodes;
  readonly profile: KsmProfile;
  /** Simulated time, ms: ksmd's sleeps plus its modeled CPU time. */
  get now(): number {
    return this.clock.now;
  }
  /** Modeled ksmd CPU time so far, ns. */
  get cpuNs(): number {
    return this.clock.cpuNs;
  }
  private readonly clock: KsmClock = { now: 0, cpuNs: 0 };
  private readonly cpuModel: CpuModel;
  private readonly advisor: AdvisorContext = { change: 0, scanTime: 0, cpuTime: 0 };
  private scanStart = 0;
  /** What the simulation spent so far (see {@link cost}). */
  private readonly spent: CostCounters = zeroCost();

  private readonly scanPolicy: ScanPolicy | undefined;
  private readonly stable: StableTree;
  private readonly unstable: UnstableTree;
  private readonly merge: Merge;
  private readonly nrNodes: number;
  private readonly slots = new MmSlots();
  private readonly checksums: PageChecksums;

  // the scan cursor (`ksm_scan`)
  private cursor: MmSlot;
  private cursorAddress = 0;
  /** The item whose `next` link the cursor sits on; NIL for the slot's list head. */
  private cursorLink = NIL;

  constructor(opts: KsmOptions) {
    this.machine = opts.machine;
    this.scanPolicy = opts.scan;
    this.cpuModel = opts.cpuModel ?? DEFAULT_CPU_MODEL;
    this.profile = opts.profile ?? LINUX_6_18;
    this.nrNodes = Math.max(1, opts.nodes ?? 1);
    const stableIndex = opts.index.create(this.nrNodes);
    const unstableIndex = opts.index.create(this.nrNodes);
    this.items = new RmapItems(unstableIndex);
    this.nodes = new StableNodes(stableIndex);
    this.sysfs = new KsmSysfs(this.profile);
    this.knobs = this.sysfs.knobs;
    this.stable = new StableTree(
      this.machine,
      this.nodes,
      this.items,
      stableIndex,
      this.slots,
      this.sysfs,
      this.profile,
      this.clock,
      this.spent,
    );
    this.unstable = new UnstableTree(
      this.machine,
      this.items,
      unstableIndex,
      this.nrNodes,
      this.slots,
      this.sysfs,
      this.spent,
    );
    this.checksums = new PageChecksums(opts.checksum, this.machine.contents, this.items, this.spent);
    this.merge = new Merge(
      this.machine,
      this.items,
      this.nodes,
      this.slots,
      this.sysfs,
      this.profile,
      this.checksums,
      this.stable,
      this.unstable,
      this.spent,
    );
    this.cursor = this.slots.head;
    for (const [k, v] of Object.entries(this.profile.knobs)) if (v !== null) this.writeKnob(k as KnobName, v);
    this.machine.hooks = this;
    opts.rmap?.register({
      handles: (pfn) => this.machine.frames.isKsm(pfn),
      walk: (pfn, rwc) => this.rmapWalkKsm(pfn, rwc),
    });
  }

  /**
   * `rmap_walk_ksm`: every mapping of a KSM page, through the rmap_items of its stable
   * node: first the VMA of each item's own mm, then (search_new_forks) VMAs of other mms
   * chained to the same anon_vma, which forked children since ksmd last passed.
   */
  rmapWalkKsm(pfn: Pfn, rwc: RmapWalkControl): void {
    const m = this.machine;
    const node = m.frames.ksmNode[pfn]!;
    if (node === NIL) return;
    this.spent.rmap_walks++;
    const it = this.items;
    for (let searchNewForks = 0; searchNewForks < 2; searchNewForks++) {
      for (let item = this.nodes.hlist[node]!; item !== NIL; item = it.hnext[item]!) {
        const av = m.anonVmas.get(it.anonVma[item]!);
        if (!av) continue;
        const vpn = it.address[item]!;
        for (const vma of av.vmas) {
          if (vpn < vma.start || vpn >= vma.end) continue;
          if ((vma.mmId === it.mm[item]) === (searchNewForks === 1)) continue;
          const mm = m.mms.get(vma.mmId);
          if (!mm || mm.pt.pfn(vpn) !== pfn) continue;
          if (!rwc.rmapOne(pfn, { mm, vma, vpn })) return;
          if (rwc.done?.(pfn)) return;
        }
      }
    }
  }

  // ------------------------------------------------------------------ sysfs

  /** The counters as /sys/kernel/mm/ksm shows them. */
  counters(): KsmCounters {
    return this.sysfs.counters(this.items.count);
  }

  /** `/proc/<pid>/ksm_stat` of an address space. */
  stat(mm: Mm): KsmStat {
    return this.slots.stat(mm);
  }

  /**
   * Checks KSM's invariants and returns what is wrong (empty when all hold). Counters are
   * never negative and add up per mm; the dups of a chain hold one content; every live
   * stable node's page is still marked as its KSM page, and — right after a full scan,
   * when ksmd has revisited everything (`afterFullScan`) — every rmap_item on it maps it.
   */
  audit(afterFullScan: boolean): string[] {
    const out: string[] = [];
    const c = this.counters();
    for (const [k, v] of Object.entries(c)) if (k !== "general_profit" && v < 0) out.push(`${k} is ${v}`);
    let merging = 0;
    let items = 0;
    for (const slot of this.slots.values()) {
      merging += slot.merging;
      items += slot.rmapItems;
    }
    if (merging !== c.pages_shared + c.pages_sharing)
      out.push(`mms merge ${merging}, counters say ${c.pages_shared + c.pages_sharing}`);
    if (items !== this.items.count) out.push(`mms hold ${items} rmap_items, ${this.items.count} exist`);
    const sn = this.nodes;
    const f = this.machine.frames;
    const it = this.items;
    for (let node = 0; node < sn.hlist.length; node++) {
      if (!sn.where[node]) continue;
      if (sn.isChain(node)) {
        let content = -1;
        for (let d = sn.hlist[node]!; d !== NIL; d = sn.dupNext[d]!) {
          const kp = sn.kpfn[d]!;
          if (f.ksmNode[kp] !== d) continue;
          if (content === -1) content = f.content[kp]!;
          else if (f.content[kp] !== content) out.push(`chain ${node}: dups hold different contents`);
        }
        continue;
      }
      const kpfn = sn.kpfn[node]!;
      if (f.ksmNode[kpfn] !== node) continue; // stale: cleaned when next walked over
      if (!f.isKsm(kpfn)) out.push(`stable node ${node}: frame ${kpfn} is not a KSM page`);
      if (!afterFullScan) continue;
      for (let item = sn.hlist[node]!; item !== NIL; item = it.hnext[item]!) {
        const mm = this.slots.byMmId(it.mm[item]!).mm;
        if (mm.exiting) continue;
        if (mm.pt.pfn(it.address[item]!) !== kpfn || !(mm.pt.bits(it.address[item]!) & 1))
          out.push(`rmap_item ${item} of stable node ${node} does not map frame ${kpfn}`);
      }
    }
    return out;
  }

  /** What the simulation spent since it started: the counters that make variants comparable. */
  cost(): CostCounters {
    return {
      ...this.spent,
      tree_nodes_visited: this.stable.index.visited + this.unstable.index.visited,
      bytes_hashed:
        this.spent.bytes_hashed +
        (this.stable.index.hashedBytes ?? 0) +
        (this.unstable.index.hashedBytes ?? 0),
      cow_breaks: this.machine.vmstat.cow_ksm,
    };
  }

  /** Whether this kernel era has the knob (a profile can lack some, e.g. smart_scan before 6.7). */
  hasKnob(name: KnobName): boolean {
    return this.sysfs.hasKnob(name);
  }

  /**
   * Writes a knob as `echo value > /sys/kernel/mm/ksm/NAME` would: 0 on success, or the
   * kernel's negative errno (EINVAL for a refused value, EBUSY while pages are shared).
   */
  writeKnob(name: KnobName, raw: unknown): Errno {
    return this.sysfs.writeKnob(name, raw, this.knobEffects);
  }

  private readonly knobEffects: KnobEffects = {
    unmergeAll: () => this.unmergeAndRemoveAllRmapItems(),
    removeAllStableNodes: () => this.removeAllStableNodes(),
    resetAdvisor: () => Object.assign(this.advisor, { change: 0, scanTime: 0, cpuTime: 0 }),
  };

  /** Whether ksmd has work: `run` has the merge bit and some mm is registered. */
  shouldRun(): boolean {
    return (this.knobs.run & RUN_MERGE) !== 0 && this.slots.any;
  }

  /** Whether any mm is registered with KSM. */
  get hasSlots(): boolean {
    return this.slots.any;
  }

  /** Read-only: the first rmap_item of `mm`'s address-sorted list (follow `items.next`); NIL if none. */
  rmapList(mm: Mm): number {
    return this.slots.get(mm)?.rmapList ?? NIL;
  }

  /** Read-only: whether the kernel's own scan runs (no scan policy), smart scan included. */
  get kernelScan(): boolean {
    return this.scanPolicy === undefined;
  }

  // ------------------------------------------------------------------ ksmd

  /**
   * One ksmd batch (`ksm_do_scan`): up to `pages_to_scan` pages, ending early at the end
   * of a full scan, then the sleep. Returns whether a full scan completed.
   */
  runBatch(): boolean {
    const seq = this.sysfs.seqnr;
    const before = this.cost();
    let n = this.knobs.pages_to_scan;
    while (n-- > 0) {
      const item = this.scanGetNextRmapItem();
      if (item === NIL) break;
      this.merge.cmpAndMergePage(this.scanPfn, item);
      this.sysfs.pagesScanned++;
      this.spent.pages_scanned++;
    }
    const cpu = cpuTimeNs(this.cpuModel, before, this.cost());
    this.clock.cpuNs += cpu;
    this.clock.now += cpu / 1e6;
    if (this.sysfs.seqnr !== seq && this.knobs.advisor_mode === "scan-time")
      this.knobs.pages_to_scan = scanTimeAdvisor(
        this.knobs,
        this.advisor,
        this.clock.now - this.scanStart,
        this.clock.cpuNs,
      );
    this.clock.now += Math.max(1, this.knobs.sleep_millisecs);
    return this.sysfs.seqnr !== seq;
  }

  /** Runs ksmd (as with `run` = 1) until `count` more full scans completed. */
  fullScans(count: number): void {
    const target = this.sysfs.seqnr + count;
    while (this.sysfs.seqnr < target && this.hasSlots) this.runBatch();
  }

  private scanPfn: Pfn = NO_PFN;

  /** `scan_get_next_rmap_item`: the next page to look at, or NIL at the end of a full scan. */
  private scanGetNextRmapItem(): number {
    if (!this.slots.any) return NIL;
    let slot = this.cursor;
    if (slot === this.slots.head) {
      this.scanStart = this.clock.now;
      this.items.reserve(this.machine.frames.allocated);
      if (!this.knobs.merge_across_nodes) this.stable.pruneMigrateNodes();
      this.unstable.reset();
      if (this.scanPolicy?.startFullScan) this.reorderSlots(this.scanPolicy);
      slot = this.slots.head.next;
      this.cursor = slot;
      if (slot === this.slots.head) return NIL;
      this.cursorAddress = 0;
      this.cursorLink = NIL;
    }
    const m = this.machine;
    for (;;) {
      const mm = slot.mm;
      if (!mm.exiting) {
        for (let i = mm.firstVmaAfter(this.cursorAddress); i < mm.vmas.length; i++) {
          const vma = mm.vmas[i]!;
          if (!(vma.flags & VM_MERGEABLE)) continue;
          if (this.cursorAddress < vma.start) this.cursorAddress = vma.start;
          if (!vma.anonVma) this.cursorAddress = vma.end;
          else if (
            this.cursorAddress === vma.start &&
            this.scanPolicy?.skipVma?.(mm.id, vma.start, this.sysfs.seqnr)
          ) {
            this.passOver(slot, vma.end);
            this.cursorAddress = vma.end;
          }
          while (this.cursorAddress < vma.end) {
            const addr = this.cursorAddress;
            if (!mm.pt.leaf(addr, false)) {
              // a hole in the page table: skip to the next leaf (the 6.18 range walk)
              this.cursorAddress = Math.min(vma.end, (Math.floor(addr / 512) + 1) * 512);
              continue;
            }
            const pfn = m.followAnonPage(mm, addr);
            if (pfn !== NO_PFN) {
              const item = this.getNextRmapItem(slot, addr);
              this.cursorLink = item;
              this.cursorAddress = addr + 1;
              if (this.shouldSkipRmapItem(pfn, item)) continue;
              this.scanPfn = pfn;
              return item;
            }
            this.cursorAddress = addr + 1;
          }
        }
      } else {
        this.cursorAddress = 0;
        this.cursorLink = NIL;
      }
      // nuke the rmap_items above the last mergeable page
      this.removeTrailingRmapItems(slot, this.cursorLink);
      const next = slot.next;
      this.cursor = next;
      if (this.cursorAddress === 0) {
        // dropped: MMF_VM_MERGE_ANY stays (ksm_stat keeps saying so), and the next VMA the
        // process maps registers it again (ksm_vma_flags)
        this.slots.unlink(slot);
        mm.flags &= ~MMF_VM_MERGEABLE;
      }
      if (next === this.slots.head) break;
      slot = next;
      this.cursorAddress = 0;
      this.cursorLink = NIL;
    }
    if (this.stable.index.ordered === false) this.stable.chains.freeEmpty();
    this.sysfs.seqnr++;
    return NIL;
  }

  /** `get_next_rmap_item`: the item for `addr`, freeing every stale item below it. */
  private getNextRmapItem(slot: MmSlot, addr: number): number {
    const it = this.items;
    for (;;) {
      const cur = this.linkGet(slot, this.cursorLink);
      if (cur === NIL) break;
      if (it.address[cur] === addr) return cur;
      if (it.address[cur]! > addr) break;
      this.linkSet(slot, this.cursorLink, it.next[cur]!);
      this.merge.removeRmapItemFromTree(cur);
      this.freeRmapItem(slot, cur);
    }
    const item = it.alloc(slot.mm.id, addr);
    slot.rmapItems++;
    it.next[item] = this.linkGet(slot, this.cursorLink);
    this.linkSet(slot, this.cursorLink, item);
    return item;
  }

  private linkGet(slot: MmSlot, link: number): number {
    return link === NIL ? slot.rmapList : this.items.next[link]!;
  }

  private linkSet(slot: MmSlot, link: number, value: number): void {
    if (link === NIL) slot.rmapList = value;
    else this.items.next[link] = value;
  }

  private removeTrailingRmapItems(slot: MmSlot, link: number): void {
    for (;;) {
      const cur = this.linkGet(slot, link);
      if (cur === NIL) return;
      this.linkSet(slot, link, this.items.next[cur]!);
      this.merge.removeRmapItemFromTree(cur);
      this.freeRmapItem(slot, cur);
    }
  }

  private freeRmapItem(slot: MmSlot, item: number): void {
    slot.rmapItems--;
    this.items.free(item);
  }

  /**
   * Leaves the items of a VMA the scan policy passes over as they are: the cursor link moves
   * past them, so `get_next_rmap_item` does not take them for stale.
   */
  private passOver(slot: MmSlot, end: number): void {
    for (;;) {
      const cur = this.linkGet(slot, this.cursorLink);
      if (cur === NIL || this.items.address[cur]! >= end) return;
      this.cursorLink = cur;
    }
  }

  private reorderSlots(policy: ScanPolicy): void {
    const ids: number[] = [];
    for (let s = this.slots.head.next; s !== this.slots.head; s = s.next) ids.push(s.mm.id);
    policy.startFullScan!(this.sysfs.seqnr, ids);
    this.slots.reorder(ids);
  }

  private readonly skipState: SkipState = { age: 0, remainingSkips: 0 };
  /** The visit handed to a skip rule, reused (rules must not keep it). */
  private readonly skipVisit = { item: 0, ksm: false };

  /** Whether the scan passes over this page this time: the policy's say, or the kernel's smart scan. */
  private shouldSkipRmapItem(pfn: Pfn, item: number): boolean {
    const policy = this.scanPolicy;
    if (policy?.skipPage) return this.skipWith(policy.skipPage, policy, pfn, item);
    // a policy without skipPage leaves page skipping to the kernel's smart scan (the knob)
    if (!this.knobs.smart_scan || !this.profile.behaviour.smartScan) return false;
    return this.skipWith(smartScanSkip, undefined, pfn, item);
  }

  /** Runs a skip rule on the item's smart-scan counters; a skipped item leaves the unstable tree. */
  private skipWith(
    rule: NonNullable<ScanPolicy["skipPage"]>,
    self: ScanPolicy | undefined,
    pfn: Pfn,
    item: number,
  ): boolean {
    const it = this.items;
    const st = this.skipState;
    const visit = this.skipVisit;
    st.age = it.age[item]!;
    st.remainingSkips = it.remainingSkips[item]!;
    visit.item = item;
    visit.ksm = this.machine.frames.isKsm(pfn);
    const skip = rule.call(self, visit, st);
    it.age[item] = st.age;
    it.remainingSkips[item] = st.remainingSkips;
    if (skip) {
      this.sysfs.pagesSkipped++;
      this.merge.removeRmapItemFromTree(item);
    }
    return skip;
  }

  // ------------------------------------------------------------------ unmerge

  private unmergeKsmPages(mm: Mm, vma: Vma, start: number, end: number): void {
    for (let addr = start; addr < end; addr++) {
      if (mm.exiting) break;
      if (mm.pt.bits(addr)) this.machine.unshare(mm, vma, addr);
    }
  }

  /** `run` = 2: unmerge every page, free every rmap_item and stable node, full_scans = 0. */
  private unmergeAndRemoveAllRmapItems(): void {
    for (let slot = this.slots.head.next; slot !== this.slots.head; ) {
      this.cursor = slot;
      const mm = slot.mm;
      if (!mm.exiting)
        for (const vma of [...mm.vmas])
          if (vma.flags & VM_MERGEABLE && vma.anonVma) this.unmergeKsmPages(mm, vma, vma.start, vma.end);
      this.removeTrailingRmapItems(slot, NIL);
      const next = slot.next;
      if (mm.exiting) {
        this.slots.unlink(slot);
        mm.flags &= ~(MMF_VM_MERGEABLE | MMF_VM_MERGE_ANY);
      }
      slot = next;
    }
    this.cursor = this.slots.head;
    this.removeAllStableNodes();
    this.sysfs.seqnr = 0;
  }

  /** Frees every stable node whose page is no longer mapped; EBUSY if some still are. */
  private removeAllStableNodes(): Errno {
    let err = 0;
    for (let nid = 0; nid < this.nrNodes; nid++) {
      for (let node = this.stable.index.any(nid); node !== NIL; node = this.stable.index.any(nid)) {
        if (this.removeStableNodeChain(node)) {
          err = EBUSY;
          break;
        }
      }
    }
    for (const node of [...this.stable.migrateNodes]) if (this.removeStableNode(node)) err = EBUSY;
    return err;
  }

  private removeStableNodeChain(node: number): boolean {
    const sn = this.nodes;
    if (!sn.isChain(node)) return this.removeStableNode(node) !== 0;
    for (let dup = sn.hlist[node]!; dup !== NIL; ) {
      const next = sn.dupNext[dup]!;
      if (this.removeStableNode(dup)) return true;
      dup = next;
    }
    this.stable.chains.free(node);
    return false;
  }

  private removeStableNode(node: number): Errno {
    const kpfn = this.stable.ksmGetFolio(node);
    if (kpfn === NO_PFN) return 0;
    const f = this.machine.frames;
    if (f.mapcount[kpfn]! > 0) return EBUSY;
    f.ksmNode[kpfn] = NIL;
    this.machine.epoch++;
    this.stable.removeNode(node);
    return 0;
  }

  // ------------------------------------------------------------------ mm slots and hooks

  /** `__ksm_enter`: registers `mm`, just behind the scan cursor (at the tail when unmerging). */
  private ksmEnter(mm: Mm): void {
    this.slots.enter(mm, this.knobs.run & RUN_UNMERGE ? this.slots.head : this.cursor);
  }

  /** @internal KsmHooks: `ksm_madvise`. */
  madvise(mm: Mm, vma: Vma, start: number, end: number, advice: Advice): number {
    if (advice === "mergeable") {
      if (vma.flags & VM_MERGEABLE || !vmaKsmCompatible(vma)) return vma.flags;
      if (!(mm.flags & MMF_VM_MERGEABLE)) this.ksmEnter(mm);
      return vma.flags | VM_MERGEABLE;
    }
    if (!(vma.flags & VM_MERGEABLE)) return vma.flags;
    if (vma.anonVma) this.unmergeKsmPages(mm, vma, start, end);
    return vma.flags & ~VM_MERGEABLE;
  }

  /** @internal KsmHooks: PR_SET_MEMORY_MERGE. */
  setMergeAny(mm: Mm, on: boolean): Errno {
    if (on) {
      if (mm.flags & MMF_VM_MERGE_ANY) return 0;
      if (!(mm.flags & MMF_VM_MERGEABLE)) this.ksmEnter(mm);
      mm.flags |= MMF_VM_MERGE_ANY;
      for (const vma of mm.vmas) if (vmaKsmCompatible(vma)) vma.flags |= VM_MERGEABLE;
      return 0;
    }
    if (!(mm.flags & MMF_VM_MERGE_ANY)) return 0;
    for (const vma of mm.vmas) {
      if (!(vma.flags & VM_MERGEABLE)) continue;
      if (vma.anonVma) this.unmergeKsmPages(mm, vma, vma.start, vma.end);
      vma.flags &= ~VM_MERGEABLE;
    }
    mm.flags &= ~MMF_VM_MERGE_ANY;
    return 0;
  }

  /**
   * @internal KsmHooks: `ksm_vma_flags`: merge-any marks a new VMA mergeable, and registers
   * the mm again if ksmd dropped it after a full scan found nothing mergeable in it.
   */
  vmaFlags(mm: Mm, flags: number): number {
    if (!(mm.flags & MMF_VM_MERGE_ANY) || flags & VM_KSM_INCOMPATIBLE) return flags;
    if (!(mm.flags & MMF_VM_MERGEABLE)) this.ksmEnter(mm);
    return flags | VM_MERGEABLE;
  }

  /** @internal KsmHooks: `ksm_fork`. */
  fork(parent: Mm, child: Mm): void {
    if (parent.flags & MMF_VM_MERGEABLE) this.ksmEnter(child);
    if (this.profile.behaviour.forkResetsCounters) this.sysfs.zeroPages += child.ksmZeroPages;
  }

  /** @internal KsmHooks: `__ksm_exit`. */
  exit(mm: Mm): void {
    this.slots.exit(mm, this.cursor);
  }

  /** @internal KsmHooks: `ksm_might_unmap_zero_page`. */
  zeroPageUnmapped(_mm: Mm): void {
    this.sysfs.zeroPages--;
  }

  /** @internal KsmHooks: the KSM branch of `ksm_might_need_to_copy`. */
  ksmFolioReusable(pfn: Pfn): boolean {
    return this.machine.frames.ksmNode[pfn] !== NIL && !(this.knobs.run & RUN_UNMERGE);
  }

  /** @internal KsmHooks: `folio_migrate_ksm`: the stable node follows its page. */
  migrateKsm(oldPfn: Pfn, newPfn: Pfn): void {
    const f = this.machine.frames;
    const node = f.ksmNode[oldPfn]!;
    f.ksmNode[newPfn] = node;
    f.ksmNode[oldPfn] = NIL;
    if (node !== NIL) this.nodes.kpfn[node] = newPfn;
  }

  /**
   * Memory hot-remove (`ksm_check_stable_tree`): stable nodes whose page is in an offlined
   * frame are pruned without touching their pages, and chains left without dups freed.
   */
  offlineFrames(offlined: (pfn: Pfn) => boolean): void {
    const sn = this.nodes;
    for (let node = 0; node < sn.hlist.length; node++)
      if (sn.where[node] && !sn.isChain(node) && offlined(sn.kpfn[node]!)) this.stable.removeNode(node);
    this.stable.chains.freeEmpty();
  }
}
