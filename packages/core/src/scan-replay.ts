import type { CostCounters } from "@ksm/contracts";
import { grown, type Machine } from "@ksm/mm";
import type { KsmClock } from "./clock.js";
import type { MmSlots } from "./mm-slot.js";
import { LINK_WORDS, type RmapItems, STABLE_FLAG, TREE_SEQNR_MASK, UNSTABLE_FLAG } from "./rmap-item.js";
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

/**
 * A 128-bit digest of numbers and typed arrays: four multiplicative 32-bit lanes, each word
 * mixed into two of them (the words of an array alternate between the pairs, so that two
 * chains of multiplies run at once).
 */
class Digest {
  private a1 = 0;
  private a2 = 0;
  private b1 = 0;
  private b2 = 0;
  private readonly f64 = new Float64Array(1);
  private readonly u32 = new Uint32Array(this.f64.buffer);

  reset(): void {
    this.a1 = 0x9e3779b9;
    this.a2 = 0x85ebca6b;
    this.b1 = 0xc2b2ae35;
    this.b2 = 0x27d4eb2f;
  }

  /** The digest so far. */
  value(): Digested {
    return [this.a1, this.a2, this.b1, this.b2];
  }

  /** Sets the digest to `d` (one taken before). */
  load(d: Digested): void {
    [this.a1, this.a2, this.b1, this.b2] = d;
  }

  /** Whether the digest so far is `d`. */
  is(d: Digested): boolean {
    return this.a1 === d[0] && this.a2 === d[1] && this.b1 === d[2] && this.b2 === d[3];
  }

  /** One 32-bit word. */
  private mix(x: number): void {
    this.a1 = Math.imul(this.a1 ^ x, 0x9e3779b1) ^ (this.a1 >>> 15);
    this.a2 = Math.imul(this.a2 + x, 0x2c1b3c6d) ^ (this.a2 >>> 13);
  }

  /** Every byte of a typed array, and its length; each word ANDed with `mask` (bytes with its low byte). */
  array(a: ArrayBufferView, mask = -1): void {
    const words = a.byteOffset & 3 ? 0 : a.byteLength >>> 2;
    this.words(new Int32Array(a.buffer, a.byteOffset, words), 0, words, mask);
    // the bytes past the last whole word (all of them in a view not aligned to 4)
    const tail = new Uint8Array(a.buffer, a.byteOffset + words * 4, a.byteLength - words * 4);
    for (let i = 0; i < tail.length; i++) this.mix((tail[i]! & mask) | 0x100);
    this.mix(a.byteLength);
  }

  /** Words `from` to `to` (exclusive) of `w`, each ANDed with `mask`. */
  words(w: Int32Array, from: number, to: number, mask = -1): void {
    let { a1, a2, b1, b2 } = this;
    let i = from;
    for (; i + 1 < to; i += 2) {
      // mix(), inlined, on both pairs: this loop reads every column of the model
      const x = w[i]! & mask;
      const y = w[i + 1]! & mask;
      a1 = Math.imul(a1 ^ x, 0x9e3779b1) ^ (a1 >>> 15);
      a2 = Math.imul(a2 + x, 0x2c1b3c6d) ^ (a2 >>> 13);
      b1 = Math.imul(b1 ^ y, 0x9e3779b1) ^ (b1 >>> 15);
      b2 = Math.imul(b2 + y, 0x2c1b3c6d) ^ (b2 >>> 13);
    }
    this.a1 = a1;
    this.a2 = a2;
    this.b1 = b1;
    this.b2 = b2;
    if (i < to) this.mix(w[i]! & mask);
  }

  /**
   * The records `n` words long (record `i` from word `n * i` of `w`) of every `i` whose
   * `flags[i] & bit` is `bit` when `set`, 0 when not; the last word of each ANDed with
   * `lastMask`.
   */
  records(w: Int32Array, n: number, flags: Uint8Array, bit: number, set: boolean, lastMask = -1): void {
    const want = set ? bit : 0;
    for (let i = 0; i < flags.length; i++) {
      if ((flags[i]! & bit) !== want) continue;
      const last = (i + 1) * n - 1;
      this.words(w, i * n, last);
      this.mix(w[last]! & lastMask);
    }
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

/** A digest's value (see Digest). */
type Digested = readonly [number, number, number, number];

/** One full scan, recorded for replay: the state it started from and ended in, and what it changed. */
interface RecordedScan {
  /** The course digest of the state at the scan's start. */
  course: Digested;
  /** The course and rest digests of the state it ended in; unknown (null) until the next scan starts or `Ksmd.fullScans` returns. */
  end: readonly [Digested, Digested] | null;
  /** {@link ScanReplay.churn} when the scan started. */
  churnAtStart: number;
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
 * scan starts from the state the previous one started from (that one merged nothing, moved
 * no checksum and no smart-scan age, and nothing outside KSM touched memory since), and
 * before any pruning the previous one passed over falls due, it would do the same work
 * again, visit for visit: it is not walked. Its effects are applied instead: the cost
 * counters and `pages_scanned` grow by the recorded scan's, `full_scans` by one, the clock
 * moves batch by batch as the recorded batches moved it, and the unstable tree it would
 * rebuild is the one already built (its items now belong to the new scan).
 *
 * "The state it started from" leaves out what no scan reads before writing it: which items
 * are unstable (the tree is emptied at each scan's start, and an item's visit takes it out
 * before anything else looks at it), the words an item keeps only while it is in a tree
 * (the union record of an item that is not stable, its tree's NUMA node) and
 * pages_unshared. So the scan after the one that first filled the unstable tree (it starts
 * with every unique page flagged, the one before with none) repeats it too, provided it
 * starts from the very state the recorded one ended in: then walking it would write what is
 * already there. Two 128-bit digests (see Digest) tell: one of the course (every typed array
 * of the rmap_items, the stable nodes and the frames but those words, the counters, knobs,
 * mm slots and the machine's epoch), one of the rest.
 *
 * Replays need the kernel's scan order (no scan policy), smart scan off (its ages move every
 * scan), no advisor (it retunes from scan times) and content indexes that declare themselves
 * replayable (`ContentIndex.replayable`). Only whole scans run by `Ksmd.fullScans` are
 * recorded and replayed, however many batches they take (nothing else runs between those
 * batches); batches run one by one (`runBatch`) are always walked.
 */
export class ScanReplay {
  private readonly course = new Digest();
  private readonly rest = new Digest();
  /** The scalars and counters a state digest is known for (see stateDigest). */
  private readonly light = new Digest();
  /** The last state digest taken, and the light key it was taken at; null before the first. */
  private known: { key: Digested; readonly course: Digested; readonly rest: Digested } | null = null;
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
    /** Every digest reused is taken again and compared (a check for tests; an Error on a difference). */
    private readonly checked = false,
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
   * At the start of a full scan run by `Ksmd.fullScans`: when its course is the recorded
   * scan's, its state the one that scan ended in, and no chain prune falls due before its
   * last batch starts, replays it (its counters, costs, `full_scans` and unstable items)
   * and returns the modeled CPU time of each of its batches, for the clock; else returns
   * null and records it, unless memory was just written (a digest would be wasted on such
   * scans). `wake(t, cpu)`: when the next batch starts after one that started at `t` and
   * took `cpu` ns.
   */
  replayFullScan(wake: (t: number, cpu: number) => number): Float64Array | null {
    const { machine, clock } = this.src;
    const epochStill = machine.epoch === this.lastStartEpoch;
    this.lastStartEpoch = machine.epoch;
    const rec = this.recorded;
    this.recorded = null;
    if (!this.enabled || !this.allowed() || (rec === null && !epochStill)) return null;
    this.stateDigest();
    const { course, rest } = this;
    // a scan recorded in this call of fullScans ended where this one starts
    if (rec !== null) rec.end ??= [course.value(), rest.value()];
    const end = rec?.end;
    if (rec && end && course.is(rec.course) && course.is(end[0]) && rest.is(end[1])) {
      const cpus = rec.batchCpu.subarray(0, rec.batches);
      let last = clock.now;
      for (let i = 0; i + 1 < cpus.length; i++) last = wake(last, cpus[i]!);
      if (last < rec.nextPruneAt) {
        this.apply(rec);
        // a replay moves counters alone: the state digest stands
        this.lightKey();
        this.known!.key = this.light.value();
        this.recorded = rec;
        this.replayed++;
        return cpus;
      }
    }
    if (!epochStill) return null;
    const r = rec ?? {
      course: course.value(),
      end: null,
      churnAtStart: 0,
      added: new Float64Array(this.counters.length),
      nextPruneAt: 0,
      inserted: new ItemLog(),
      batchCpu: new Float64Array(16),
      batches: 0,
    };
    r.course = course.value();
    r.end = null;
    r.churnAtStart = this.churn();
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
   * may replay, if the next follows its course from the state it ended in.
   */
  batchEnded(ended: boolean, cpu: number): void {
    const r = this.recording;
    if (r === null) return;
    if (r.batches === r.batchCpu.length) r.batchCpu = grown(r.batchCpu, r.batches * 2);
    r.batchCpu[r.batches++] = cpu;
    if (!ended) return;
    this.recording = null;
    this.src.unstable.log = null;
    this.finish(r);
    r.nextPruneAt = this.src.stable.chains.nextPruneAt;
    this.recorded = r;
  }

  /**
   * When `Ksmd.fullScans` returns: a scan under way is not one to replay, and the state the
   * last recorded scan ended in is digested now, before anything else can change it.
   */
  fullScansReturned(): void {
    this.recording = null;
    this.src.unstable.log = null;
    const rec = this.recorded;
    if (rec === null || rec.end !== null) return;
    // a scan that surely changed the state it started from: the next cannot follow its course
    if (this.churn() !== rec.churnAtStart) {
      this.recorded = null;
      return;
    }
    this.stateDigest();
    rec.end = [this.course.value(), this.rest.value()];
  }

  /**
   * A count that grows whenever a scan changes the state it started from for sure (a merge,
   * an rmap_item or stable node allocated or freed): a scan that moved it is not worth a
   * digest of the state it ended in.
   */
  private churn(): number {
    const { spent, items, nodes } = this.src;
    return spent.merges + items.turnover + nodes.turnover;
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
      if (items.flags[item]! & UNSTABLE_FLAG && items.treeSeqnr(item) === was) items.setTreeSeqnr(item, now);
    }
    sysfs.seqnr++;
  }

  /**
   * The course and rest digests of everything a full scan's course depends on but the
   * clock (see the class comment). While the state's scalars, the counters and the handle
   * pools' turnover stand where they stood at the last digest, the typed arrays have not
   * changed either (memory changes move the machine's epoch, KSM's own work its counters):
   * that digest is the state's. With `checked`, it is taken again and compared.
   */
  private stateDigest(): void {
    const { course, rest, light } = this;
    const { machine, items, nodes } = this.src;
    this.lightKey();
    const known = this.known;
    const same = known !== null && light.is(known.key);
    if (same && !this.checked) {
      course.load(known.course);
      rest.load(known.rest);
      return;
    }
    course.reset();
    this.scalars(course);
    for (const a of items.stateColumns()) course.array(a);
    for (const a of nodes.stateColumns()) course.array(a);
    const f = machine.frames;
    for (const a of [f.content, f.refcount, f.mapcount, f.flags, f.nid, f.anonVma, f.index, f.allocSeq])
      course.array(a);
    this.itemTreeDigest();
    if (same && !(course.is(known.course) && rest.is(known.rest)))
      throw new Error(
        "scan replay: the model's state changed with no change to its scalars, counters or epoch",
      );
    this.known = { key: light.value(), course: course.value(), rest: rest.value() };
  }

  /** The state's scalars: the epoch, vmstat, knobs, KSM's counters, the mm slots, migrate_nodes, the frames allocated. */
  private scalars(d: Digest): void {
    const { machine, slots, sysfs, stable } = this.src;
    d.number(machine.epoch);
    for (const v of Object.values(machine.vmstat)) d.number(v);
    for (const v of Object.values(sysfs.knobs)) typeof v === "string" ? d.string(v) : d.number(v);
    d.number(sysfs.pagesShared);
    d.number(sysfs.pagesSharing);
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
    d.number(machine.frames.allocated);
  }

  /** Into {@link light}: the scalars, pages_unshared, the full-scan count, the counters and the handle pools' turnover. */
  private lightKey(): void {
    const { light } = this;
    const { sysfs, items, nodes } = this.src;
    light.reset();
    this.scalars(light);
    light.number(sysfs.pagesUnshared);
    light.number(sysfs.seqnr);
    for (const c of this.counters) light.number(c.of[c.key]!);
    light.number(items.turnover);
    light.number(nodes.turnover);
  }

  /**
   * The items' tree state: every flag but UNSTABLE_FLAG and the records of stable items into
   * the course digest; the flags as they are, the tree NUMA nodes, the records of the other
   * items but their seqnr (which scan an unstable item went in during, which a replay
   * relabels) and pages_unshared into the rest digest.
   */
  private itemTreeDigest(): void {
    const { items, sysfs } = this.src;
    const { course, rest } = this;
    const { flags, link } = items;
    course.array(flags, ~(UNSTABLE_FLAG * 0x01010101));
    course.records(link, LINK_WORDS, flags, STABLE_FLAG, true);
    rest.reset();
    rest.number(sysfs.pagesUnshared);
    rest.array(flags);
    rest.array(items.nid);
    // an unstable item's seqnr says which scan it went in during: a replay relabels it
    rest.records(link, LINK_WORDS, flags, STABLE_FLAG, false, ~TREE_SEQNR_MASK);
  }
}
