import type { CostCounters } from "@ksm/contracts";
import { grown, type Machine } from "@ksm/mm";
import type { KsmClock } from "./clock.js";
import type { MmSlots } from "./mm-slot.js";
import { type RmapItems, UNSTABLE_FLAG } from "./rmap-item.js";
import type { StableNodes } from "./stable-node.js";
import type { StableTree } from "./stable-tree.js";
import type { KsmSysfs } from "./sysfs.js";
import type { UnstableTree } from "./unstable-tree.js";

/** The rmap_items that went into the unstable tree during a full scan, in order. */
export class ItemLog {
  items = new Int32Array(0);
  count = 0;

  /** Appends `item`. */
  push(item: number): void {
    if (this.count === this.items.length) this.items = grown(this.items, Math.max(1024, this.count * 2));
    this.items[this.count++] = item;
  }
}

/** What the scan replay reads: the whole model's state, and the counters a scan moves. */
export interface ScanReplaySources {
  readonly machine: Machine;
  readonly items: RmapItems;
  readonly nodes: StableNodes;
  readonly slots: MmSlots;
  readonly sysfs: KsmSysfs;
  readonly stable: StableTree;
  readonly unstable: UnstableTree;
  readonly spent: CostCounters;
  readonly clock: KsmClock;
  /** Whether the kernel's scan order is followed (no scan policy plugin). */
  readonly kernelScan: boolean;
  /** Whether this kernel era has smart scan (then the knob decides). */
  readonly smartScanEra: boolean;
}

/** A 64-bit digest (two multiplicative 32-bit lanes, each word mixed into both) of numbers and typed arrays. */
class Digest {
  h1 = 0;
  h2 = 0;
  private readonly f64 = new Float64Array(1);
  private readonly u32 = new Uint32Array(this.f64.buffer);

  reset(): void {
    this.h1 = 0x9e3779b9;
    this.h2 = 0x85ebca6b;
  }

  /** One 32-bit word. */
  private mix(x: number): void {
    this.h1 = Math.imul(this.h1 ^ x, 0x9e3779b1) ^ (this.h1 >>> 15);
    this.h2 = Math.imul(this.h2 + x, 0x2c1b3c6d) ^ (this.h2 >>> 13);
  }

  /** Every byte of a typed array, and its length. */
  array(a: ArrayBufferView): void {
    const words = a.byteOffset & 3 ? 0 : a.byteLength >>> 2;
    const w = new Int32Array(a.buffer, a.byteOffset, words);
    let h1 = this.h1;
    let h2 = this.h2;
    for (let i = 0; i < words; i++) {
      // mix(), inlined: this loop reads every column of the model
      const x = w[i]!;
      h1 = Math.imul(h1 ^ x, 0x9e3779b1) ^ (h1 >>> 15);
      h2 = Math.imul(h2 + x, 0x2c1b3c6d) ^ (h2 >>> 13);
    }
    this.h1 = h1;
    this.h2 = h2;
    // the bytes past the last whole word (all of them in a view not aligned to 4)
    const tail = new Uint8Array(a.buffer, a.byteOffset + words * 4, a.byteLength - words * 4);
    for (let i = 0; i < tail.length; i++) this.mix(tail[i]! | 0x100);
    this.mix(a.byteLength);
  }

  /** A number (a counter, a knob). */
  number(x: number): void {
    this.f64[0] = x;
    this.mix(this.u32[0]!);
    this.mix(this.u32[1]!);
  }

  /** A string (a knob's word value). */
  string(s: string): void {
    for (let i = 0; i < s.length; i++) this.mix(s.charCodeAt(i));
    this.mix(s.length);
  }
}

/** A counter a full scan moves: `of[key]` (a cost counter, an index's visits, pages_scanned). */
interface Counter {
  readonly of: Record<string, number>;
  readonly key: string;
}

/** One full scan, recorded for replay: the state it started from and what it changed. */
interface RecordedScan {
  /** The digest of the state at the scan's start. */
  h1: number;
  h2: number;
  /** What the scan added to each of {@link ScanReplay}'s counters. */
  readonly added: Float64Array;
  /** The first time a chain it left unpruned would have been pruned (see StableChains.nextPruneAt). */
  nextPruneAt: number;
  /** The items it put in the unstable tree. */
  readonly inserted: ItemLog;
  /** The modeled CPU time of each of its batches, ns. */
  batchCpu: Float64Array;
  batches: number;
}

/**
 * Not a kernel concept: the simulator's shortcut for full scans that repeat the previous one.
 * ksmd's work in a full scan is a function of the state it starts from (memory, rmap_items,
 * stable nodes, counters, knobs) and, through chain pruning alone, of the clock. When a full
 * scan starts from exactly the state the previous one started from (that one merged
 * nothing, moved no checksum and no smart-scan age, and nothing outside KSM touched memory
 * since), and before any pruning the previous one passed over falls due, it would do the
 * same work again, visit for visit: it is not walked. Its effects are applied instead: the
 * cost counters and `pages_scanned` grow by the recorded scan's, `full_scans` by one, the
 * clock moves batch by batch as the recorded batches moved it, and the unstable tree it would rebuild is the one already built (its items now belong to the new
 * scan). The state is compared by a 64-bit digest of every typed array of the rmap_items, the
 * stable nodes and the frames, and of the counters, knobs, mm slots and the machine's epoch.
 *
 * Replays need the kernel's scan order (no scan policy), smart scan off (its ages move every
 * scan), no advisor (it retunes from scan times) and content indexes that declare themselves
 * replayable (`ContentIndex.replayable`). Only whole scans run by `Ksmd.fullScans` are
 * recorded and replayed, however many batches they take (nothing else runs between those
 * batches); batches run one by one (`runBatch`) are always walked.
 */
export class ScanReplay {
  private readonly digest = new Digest();
  /** What a scan adds to, and a replay adds again: every cost counter, the indexes' visits and hashed bytes, pages_scanned. */
  private readonly counters: readonly Counter[];
  /** The last full scan recorded (the next may replay it); or null. */
  private recorded: RecordedScan | null = null;
  /** The scan being recorded (from its first batch on), or null. */
  private recording: RecordedScan | null = null;
  /** The machine epoch at the last full scan's start. */
  private lastStartEpoch = -1;
  /** Full scans replayed so far (the rest were walked). */
  replayed = 0;

  constructor(
    private readonly src: ScanReplaySources,
    /** False: every scan is walked. */
    private readonly enabled: boolean,
  ) {
    const cells = (of: object, keys: readonly string[]) =>
      keys
        .filter((key) => typeof (of as Record<string, unknown>)[key] === "number")
        .map((key) => ({ of: of as Record<string, number>, key }));
    this.counters = [
      ...cells(src.spent, Object.keys(src.spent)),
      ...cells(src.stable.index, ["visited", "hashedBytes"]),
      ...cells(src.unstable.index, ["visited", "hashedBytes"]),
      ...cells(src.sysfs, ["pagesScanned"]),
    ];
  }

  /**
   * At the start of a full scan run by `Ksmd.fullScans`: when its state is the recorded
   * scan's and no chain prune falls due before its last batch starts, replays it (its
   * counters, costs, `full_scans` and unstable items) and returns the modeled CPU time of
   * each of its batches, for the clock; else returns null and records it, unless memory was
   * just written (a digest would be wasted on such scans). `wake(t, cpu)`: when the next
   * batch starts after one that started at `t` and took `cpu` ns.
   */
  replayFullScan(wake: (t: number, cpu: number) => number): Float64Array | null {
    const { machine, clock } = this.src;
    const epochStill = machine.epoch === this.lastStartEpoch;
    this.lastStartEpoch = machine.epoch;
    const rec = this.recorded;
    this.recorded = null;
    if (!this.enabled || !this.allowed() || (rec === null && !epochStill)) return null;
    this.stateDigest();
    const { h1, h2 } = this.digest;
    if (rec !== null && rec.h1 === h1 && rec.h2 === h2) {
      const cpus = rec.batchCpu.subarray(0, rec.batches);
      let last = clock.now;
      for (let i = 0; i + 1 < cpus.length; i++) last = wake(last, cpus[i]!);
      if (last < rec.nextPruneAt) {
        this.apply(rec);
        this.recorded = rec;
        this.replayed++;
        return cpus;
      }
    }
    if (!epochStill) return null;
    const r = rec ?? {
      h1: 0,
      h2: 0,
      added: new Float64Array(this.counters.length),
      nextPruneAt: 0,
      inserted: new ItemLog(),
      batchCpu: new Float64Array(16),
      batches: 0,
    };
    r.h1 = h1;
    r.h2 = h2;
    this.begin(r);
    r.inserted.count = 0;
    r.batches = 0;
    this.src.stable.chains.nextPruneAt = Number.POSITIVE_INFINITY;
    this.src.unstable.log = r.inserted;
    this.recording = r;
    return null;
  }

  /**
   * At the end of every walked batch, which took `cpu` ns of modeled CPU; `ended`: a full
   * scan ended in it. A scan recorded from its start to its end becomes the one the next
   * may replay, if the next starts from the same state.
   */
  batchEnded(ended: boolean, cpu: number): void {
    const r = this.recording;
    if (r === null) return;
    if (r.batches === r.batchCpu.length) r.batchCpu = grown(r.batchCpu, r.batches * 2);
    r.batchCpu[r.batches++] = cpu;
    if (!ended) return;
    this.abandon();
    this.finish(r);
    r.nextPruneAt = this.src.stable.chains.nextPruneAt;
    this.recorded = r;
  }

  /** Stops recording (the scan under way will not be replayed). */
  abandon(): void {
    this.recording = null;
    this.src.unstable.log = null;
  }

  /** Whether the configuration lets scans repeat exactly (see the class comment). */
  private allowed(): boolean {
    const { sysfs, stable, unstable, kernelScan, smartScanEra } = this.src;
    const k = sysfs.knobs;
    return (
      kernelScan &&
      !(smartScanEra && k.smart_scan) &&
      k.advisor_mode === "none" &&
      stable.index.replayable === true &&
      unstable.index.replayable === true
    );
  }

  /** Into `r`: the counters as they stand at the scan's start. */
  private begin(r: RecordedScan): void {
    for (let i = 0; i < this.counters.length; i++) r.added[i] = this.counters[i]!.of[this.counters[i]!.key]!;
  }

  /** Into `r` (filled by {@link begin}): what the scan added to the counters. */
  private finish(r: RecordedScan): void {
    for (let i = 0; i < this.counters.length; i++)
      r.added[i] = this.counters[i]!.of[this.counters[i]!.key]! - r.added[i]!;
  }

  /** The recorded scan's effects, as walking it again would have had them. */
  private apply(r: RecordedScan): void {
    const { sysfs, items } = this.src;
    for (let i = 0; i < this.counters.length; i++)
      this.counters[i]!.of[this.counters[i]!.key]! += r.added[i]!;
    // the items the scan would put in the unstable tree again are in it: they are this scan's
    const was = (sysfs.seqnr - 1) & 0xff;
    const now = sysfs.seqnr & 0xff;
    const log = r.inserted;
    for (let i = 0; i < log.count; i++) {
      const item = log.items[i]!;
      if (items.flags[item]! & UNSTABLE_FLAG && items.seqnr[item] === was) items.seqnr[item] = now;
    }
    sysfs.seqnr++;
  }

  /** The digest of everything a full scan's course depends on but the clock (see the class comment). */
  private stateDigest(): void {
    const d = this.digest;
    const { machine, items, nodes, slots, sysfs, stable } = this.src;
    d.reset();
    d.number(machine.epoch);
    for (const v of Object.values(machine.vmstat)) d.number(v);
    for (const v of Object.values(sysfs.knobs)) typeof v === "string" ? d.string(v) : d.number(v);
    d.number(sysfs.pagesShared);
    d.number(sysfs.pagesSharing);
    d.number(sysfs.pagesUnshared);
    d.number(sysfs.pagesSkipped);
    d.number(sysfs.chains);
    d.number(sysfs.dups);
    d.number(sysfs.zeroPages);
    for (let s = slots.head.next; s !== slots.head; s = s.next) {
      d.number(s.mm.id);
      d.number(s.mm.flags);
      d.number(s.mm.ksmZeroPages);
      d.number(s.rmapList);
      d.number(s.merging);
      d.number(s.rmapItems);
    }
    for (const n of stable.migrateNodes) d.number(n);
    for (const a of items.stateColumns()) d.array(a);
    for (const a of nodes.stateColumns()) d.array(a);
    const f = machine.frames;
    d.number(f.allocated);
    for (const a of [f.content, f.refcount, f.mapcount, f.flags, f.nid, f.anonVma, f.index, f.allocSeq])
      d.array(a);
  }
}
