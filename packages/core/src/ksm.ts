import {
  type ChecksumPolicy,
  type ContentIndexFactory,
  type CostCounters,
  type KsmProfile,
  NIL,
  type ScanPolicy,
  zeroCost,
} from "@ksm/contracts";
import {
  type Advice,
  type Errno,
  type KsmHooks,
  type Machine,
  MMF_VM_MERGE_ANY,
  MMF_VM_MERGEABLE,
  type Mm,
  type Pfn,
  VM_KSM_INCOMPATIBLE,
  VM_MERGEABLE,
  type Vma,
  vmaKsmCompatible,
} from "@ksm/mm";
import type { Rmap, RmapWalkControl } from "@ksm/rmap";
import { type CpuModel, DEFAULT_CPU_MODEL } from "./advisor.js";
import { auditKsm } from "./audit.js";
import { PageChecksums } from "./checksum.js";
import type { KsmClock } from "./clock.js";
import type { KnobName, Knobs } from "./knobs.js";
import { Ksmd } from "./ksmd.js";
import { KERNEL_HZ } from "./ksmd-sleep.js";
import { Merge } from "./merge.js";
import { folioMigrateKsm, ksmCheckStableTree } from "./migrate.js";
import { type KsmStat, MmSlots } from "./mm-slot.js";
import { LINUX_6_18 } from "./profile.js";
import { RmapItems } from "./rmap-item.js";
import { KsmRmapWalker } from "./rmap-walk.js";
import { type FullScanHooks, KsmScan } from "./scan-cursor.js";
import { ScanReplay } from "./scan-replay.js";
import { SmartScan } from "./smart-scan.js";
import { StableNodes } from "./stable-node.js";
import { StableTree } from "./stable-tree.js";
import { type KnobEffects, type KsmCounters, KsmSysfs, RUN_MERGE, RUN_UNMERGE } from "./sysfs.js";
import { Unmerge } from "./unmerge.js";
import { UnstableTree } from "./unstable-tree.js";

/*
 * The Ksm facade: it builds one object per KSM concept, each in a file of its own named
 * as in mm/ksm.c (see the module map in the package README), wires them, and answers the
 * public API and the machine's KsmHooks by delegating.
 *
 * One return convention for each kind of answer, across every file:
 * - an operation that can fail as the kernel's can returns an Errno: 0, or a negative
 *   errno (writeKnob, remove_all_stable_nodes, PR_SET_MEMORY_MERGE);
 * - a predicate or "did it happen" returns a boolean (try_to_merge_*, shouldSkip);
 * - a lookup returns a Pfn (NO_PFN for none: stable_tree_search, ksm_get_folio) or an
 *   integer handle (NIL for none: rmap_items, stable nodes);
 * - an order returns <0, 0 or >0, as memcmp does (memcmp_pages, a tree visitor);
 * - an answer with several parts returns a result object owned by the concept and reused
 *   by every call, so the hot path allocates nothing (chain() → ChainResult,
 *   unstable search-insert → UnstableMatch, the scan cursor → ScanHit): read it before
 *   the next call. Nothing is handed from one step to the next through fields.
 */

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
  /**
   * Replay full scans that would repeat the previous one exactly instead of walking them
   * (default true; the results are the same, see `ScanReplay`). False walks every scan;
   * "checked" replays, and takes again every state digest it would reuse, throwing an Error
   * when the state changed behind its back (for tests of code that changes the model).
   */
  readonly replay?: boolean | "checked";
}

/**
 * Linux 6.18 KSM: the mm_slot list and scan cursor, rmap_items, the stable tree with
 * chains and dups, the unstable tree, `cmp_and_merge_page`, smart scan, zero pages, the
 * knobs and every counter, driven by a simulated clock. Registers itself as the machine's
 * {@link KsmHooks}. A thin facade over one object per concept (the fields below).
 */
export class Ksm implements KsmHooks {
  /** The machine KSM runs on (its `hooks` are this Ksm). */
  readonly machine: Machine;
  /** The knobs' current values (`sysfs.knobs`). */
  readonly knobs: Knobs;
  /** Every rmap_item. */
  readonly items: RmapItems;
  /** Every stable node, chains and dups included. */
  readonly nodes: StableNodes;
  /** The kernel era followed. */
  readonly profile: KsmProfile;

  /** The knobs and counters of /sys/kernel/mm/ksm. */
  readonly sysfs: KsmSysfs;
  /** The mm_slot list. */
  readonly slots = new MmSlots();
  /** The scan cursor (`ksm_scan`). */
  readonly scan: KsmScan;
  /** The stable tree, with its chains (`stable.chains`). */
  readonly stable: StableTree;
  /** The unstable tree. */
  readonly unstable: UnstableTree;
  /** `cmp_and_merge_page` and `try_to_merge_*`. */
  readonly merge: Merge;
  /** Unmerging: MADV_UNMERGEABLE, `run` = 2, `remove_all_stable_nodes`. */
  readonly unmerge: Unmerge;
  /** The ksmd thread: batches, the clock, the advisor. */
  readonly ksmd: Ksmd;
  /** Full scans replayed rather than walked (`replay.replayed` counts them). */
  readonly replay: ScanReplay;

  private readonly clock: KsmClock = { now: 0, cpuNs: 0 };
  /** What the simulation spent so far (see {@link cost}). */
  private readonly spent: CostCounters = zeroCost();
  private readonly scanPolicy: ScanPolicy | undefined;
  private readonly rmapWalker: KsmRmapWalker;

  constructor(opts: KsmOptions) {
    const machine = opts.machine;
    this.machine = machine;
    this.scanPolicy = opts.scan;
    this.profile = opts.profile ?? LINUX_6_18;
    const nrNodes = Math.max(1, opts.nodes ?? 1);
    const stableIndex = opts.index.create(nrNodes);
    const unstableIndex = opts.index.create(nrNodes);
    this.items = new RmapItems(unstableIndex);
    this.nodes = new StableNodes(stableIndex);
    this.sysfs = new KsmSysfs(this.profile);
    this.knobs = this.sysfs.knobs;
    const { items, nodes, slots, sysfs, profile, spent } = this;
    this.stable = new StableTree(
      machine,
      nodes,
      items,
      stableIndex,
      slots,
      sysfs,
      profile,
      this.clock,
      spent,
    );
    this.unstable = new UnstableTree(machine, items, unstableIndex, nrNodes, slots, sysfs, spent);
    const checksums = new PageChecksums(opts.checksum, machine.contents, items, spent);
    this.merge = new Merge(
      machine,
      items,
      nodes,
      slots,
      sysfs,
      profile,
      checksums,
      this.stable,
      this.unstable,
      spent,
    );
    const smartScan = new SmartScan(machine.frames, items, sysfs, profile, opts.scan, this.merge);
    this.scan = new KsmScan(machine, items, slots, sysfs, smartScan, opts.scan, this.fullScanHooks);
    this.unmerge = new Unmerge(machine, nodes, slots, this.scan, this.stable, sysfs, nrNodes);
    this.replay = new ScanReplay(
      {
        machine,
        items,
        nodes,
        slots,
        sysfs,
        stable: this.stable,
        unstable: this.unstable,
        spent,
        clock: this.clock,
        kernelScan: opts.scan === undefined,
        smartScanEra: profile.behaviour.smartScan,
      },
      opts.replay !== false,
      opts.replay === "checked",
    );
    this.ksmd = new Ksmd(
      sysfs,
      this.clock,
      opts.cpuModel ?? DEFAULT_CPU_MODEL,
      slots,
      this.scan,
      this.merge,
      spent,
      () => this.cost(),
      this.profile.hz ?? KERNEL_HZ,
      this.replay,
    );
    this.rmapWalker = new KsmRmapWalker(machine, nodes, items, spent);
    for (const [k, v] of Object.entries(this.profile.knobs)) if (v !== null) this.writeKnob(k as KnobName, v);
    machine.hooks = this;
    opts.rmap?.register(this.rmapWalker);
  }

  /** What the scan cursor needs done at a full scan's edges, by the concepts that own it. */
  private readonly fullScanHooks: FullScanHooks = {
    startFullScan: () => {
      this.ksmd.startFullScan();
      this.items.reserve(this.machine.frames.allocated);
      if (!this.knobs.merge_across_nodes) this.stable.pruneMigrateNodes();
      this.unstable.reset();
    },
    endFullScan: () => {
      if (this.stable.index.ordered === false) this.stable.chains.freeEmpty();
    },
    removeRmapItemFromTree: (item) => this.merge.removeRmapItemFromTree(item),
  };

  /** What a knob write does beyond storing the value, by the concepts that own it. */
  private readonly knobEffects: KnobEffects = {
    unmergeAll: () => this.unmerge.unmergeAndRemoveAllRmapItems(),
    removeAllStableNodes: () => this.unmerge.removeAllStableNodes(),
    resetAdvisor: () => this.ksmd.resetAdvisor(),
  };

  /** Simulated time, ms: ksmd's sleeps plus its modeled CPU time. */
  get now(): number {
    return this.clock.now;
  }

  /** Modeled ksmd CPU time so far, ns. */
  get cpuNs(): number {
    return this.clock.cpuNs;
  }

  /** `rmap_walk_ksm`: every mapping of a KSM page (see {@link KsmRmapWalker}). */
  rmapWalkKsm(pfn: Pfn, rwc: RmapWalkControl): void {
    this.rmapWalker.walk(pfn, rwc);
  }

  // ------------------------------------------------------------------ sysfs and procfs

  /** The counters as /sys/kernel/mm/ksm shows them. */
  counters(): KsmCounters {
    return this.sysfs.counters(this.items.count);
  }

  /** `/proc/<pid>/ksm_stat` of an address space. */
  stat(mm: Mm): KsmStat {
    return this.slots.stat(mm);
  }

  /**
   * Checks KSM's invariants and returns what is wrong (empty when all hold); see
   * {@link auditKsm}. `afterFullScan`: ksmd has just revisited everything.
   */
  audit(afterFullScan: boolean): string[] {
    const { machine, slots, items, nodes } = this;
    return auditKsm({ machine, slots, items, nodes, counters: this.counters() }, afterFullScan);
  }

  /** What the simulation spent since it started: the counters that make variants comparable. */
  cost(): CostCounters {
    const stable = this.stable.index;
    const unstable = this.unstable.index;
    return {
      ...this.spent,
      tree_nodes_visited: stable.visited + unstable.visited,
      bytes_hashed: this.spent.bytes_hashed + (stable.hashedBytes ?? 0) + (unstable.hashedBytes ?? 0),
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

  /** Whether ksmd has work: `run` has the merge bit and some mm is registered. */
  shouldRun(): boolean {
    return (this.knobs.run & RUN_MERGE) !== 0 && this.slots.any;
  }

  /** Whether any mm is registered with KSM. */
  get hasSlots(): boolean {
    return this.slots.any;
  }

  /** Read-only: `mm`'s rmap_items in address order (none when it is not registered). */
  rmapItems(mm: Mm): number[] {
    const slot = this.slots.get(mm);
    return slot ? this.items.listed(slot) : [];
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
    return this.ksmd.runBatch();
  }

  /** Runs ksmd (as with `run` = 1) until `count` more full scans completed. */
  fullScans(count: number): number {
    return this.ksmd.fullScans(count);
  }

  // ------------------------------------------------------------------ KsmHooks

  /** `__ksm_enter`: registers `mm`, just behind the scan cursor (at the tail when unmerging). */
  private ksmEnter(mm: Mm): void {
    this.slots.enter(mm, this.knobs.run & RUN_UNMERGE ? this.slots.head : this.scan.cursor);
  }

  /** @internal KsmHooks: `ksm_madvise`. */
  madvise(mm: Mm, vma: Vma, start: number, end: number, advice: Advice): number {
    if (advice === "mergeable") {
      if (vma.flags & VM_MERGEABLE || !vmaKsmCompatible(vma)) return vma.flags;
      if (!(mm.flags & MMF_VM_MERGEABLE)) this.ksmEnter(mm);
      return vma.flags | VM_MERGEABLE;
    }
    if (!(vma.flags & VM_MERGEABLE)) return vma.flags;
    if (vma.anonVma) this.unmerge.unmergeKsmPages(mm, vma, start, end);
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
      if (vma.anonVma) this.unmerge.unmergeKsmPages(mm, vma, vma.start, vma.end);
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
    this.slots.exit(mm, this.scan.cursor);
  }

  /** @internal KsmHooks: `ksm_might_unmap_zero_page`. */
  zeroPageUnmapped(_mm: Mm): void {
    this.sysfs.zeroPages--;
  }

  /** @internal KsmHooks: the KSM branch of `ksm_might_need_to_copy`. */
  ksmFolioReusable(pfn: Pfn): boolean {
    return this.machine.frames.ksmNodeOf(pfn) !== NIL && !(this.knobs.run & RUN_UNMERGE);
  }

  /** @internal KsmHooks: `folio_migrate_ksm`: the stable node follows its page. */
  migrateKsm(oldPfn: Pfn, newPfn: Pfn): void {
    folioMigrateKsm(this.machine.frames, this.nodes, oldPfn, newPfn);
  }

  /**
   * Memory hot-remove (`ksm_check_stable_tree`): stable nodes whose page is in an offlined
   * frame are pruned without touching their pages, and chains left without dups freed.
   */
  offlineFrames(offlined: (pfn: Pfn) => boolean): void {
    ksmCheckStableTree(this.nodes, this.stable, offlined);
  }
}
