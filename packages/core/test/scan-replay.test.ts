import type { ContentIndexFactory } from "@ksm/contracts";
import { Machine, type Mm } from "@ksm/mm";
import { avlIndex, hashIndex, rbtreeIndex, skiplistIndex } from "@ksm/policy-index";
import { describe, expect, it } from "vitest";
import { Ksm } from "../src/index.js";
import { UNSTABLE_FLAG } from "../src/rmap-item.js";
import { checksum } from "./helpers.js";

/** Everything a full scan leaves behind that anyone can read: it must not tell a replayed scan from a walked one. */
function observe(ksm: Ksm) {
  return {
    counters: ksm.counters(),
    cost: ksm.cost(),
    now: ksm.now,
    cpuNs: ksm.cpuNs,
    seqnr: Array.from(ksm.items.flags, (f, i) => (f & UNSTABLE_FLAG ? ksm.items.treeSeqnr(i) : -1)),
    flags: Array.from(ksm.items.flags),
    audit: ksm.audit(true),
  };
}

/** A small xorshift generator, so that each case is reproducible from its seed. */
function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return (n: number) => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) % n;
  };
}

interface Case {
  readonly knobs: Record<string, number>;
  readonly index: ContentIndexFactory;
  /** Pattern seed of each page (null: never touched), for each of the mms. */
  readonly pages: (number | null)[][];
  /** Rounds of: writes (mm, page, seed) to make first, and maybe an unmerge (`run` 2, then 1), then full scans. */
  readonly rounds: { writes: [number, number, number][]; unmerge?: boolean; scans: number }[];
}

/** Runs `c` with replays on (checked: every state digest reused is taken again) or off; what is observable after each round. */
function play(c: Case, replay: boolean) {
  const machine = new Machine();
  const ksm = new Ksm({ machine, checksum, index: c.index, replay: replay && "checked" });
  for (const [k, v] of Object.entries(c.knobs)) expect(ksm.writeKnob(k as never, v)).toBe(0);
  ksm.writeKnob("run", 1);
  const mms: { mm: Mm; start: number }[] = c.pages.map((seeds) => {
    const mm = machine.createMm();
    const vma = machine.mmap(mm, seeds.length);
    seeds.forEach((s, i) => {
      if (s !== null) machine.write(mm, vma.start + i, machine.contents.pattern(BigInt(s)));
    });
    machine.madvise(mm, vma.start, vma.end, "mergeable");
    return { mm, start: vma.start };
  });
  const seen = [];
  for (const r of c.rounds) {
    for (const [m, p, s] of r.writes)
      machine.write(mms[m]!.mm, mms[m]!.start + p, machine.contents.pattern(BigInt(s)));
    if (r.unmerge) {
      expect(ksm.writeKnob("run", 2)).toBe(0);
      expect(ksm.writeKnob("run", 1)).toBe(0);
    }
    ksm.fullScans(r.scans);
    seen.push(observe(ksm));
  }
  return { seen, replayed: ksm.replay.replayed, scans: ksm.counters().full_scans };
}

/** A random case: few contents (so pages merge, and chains form), knobs that vary what matters. */
function randomCase(seed: number): Case {
  const r = rng(seed);
  const mms = 1 + r(3);
  const pages = Array.from({ length: mms }, () =>
    Array.from({ length: 4 + r(40) }, () => (r(8) === 0 ? null : r(4) === 0 ? 1000 + r(1000) : 1 + r(6))),
  );
  const knobs = {
    smart_scan: r(4) === 0 ? 1 : 0,
    pages_to_scan: r(4) === 0 ? 1 + r(30) : 1_000_000,
    max_page_sharing: 2 + r(3),
    stable_node_chains_prune_millisecs: [0, 30, 100, 2000][r(4)]!,
    sleep_millisecs: [1, 10, 20][r(3)]!,
    use_zero_pages: r(2),
  };
  const rounds = Array.from({ length: 3 + r(6) }, () => ({
    writes: Array.from({ length: r(3) === 0 ? 1 + r(3) : 0 }, (): [number, number, number] => {
      const m = r(mms);
      return [m, r(pages[m]!.length), r(2) ? 1 + r(6) : 5000 + r(1000)];
    }),
    unmerge: r(6) === 0,
    scans: 1 + r(4),
  }));
  const index = [rbtreeIndex, rbtreeIndex, avlIndex, skiplistIndex(), hashIndex][r(5)]!;
  return { knobs, index, pages, rounds };
}

/** Ten pages (one never touched), two pairs among them: settled after a few scans. */
const settled: Case = {
  knobs: { smart_scan: 0, pages_to_scan: 1_000_000, sleep_millisecs: 20 },
  index: rbtreeIndex,
  pages: [[1, 1, 2, 2, 3, 100, 101, 102, 103, null]],
  rounds: [{ writes: [], scans: 10 }],
};

/** KSM at `settled`'s knobs, running, over one mm of four pages of distinct contents (pattern seeds from `seed`). */
function fourPages(seed: number, replay: boolean | "checked"): Ksm {
  const machine = new Machine();
  const ksm = new Ksm({ machine, checksum, index: rbtreeIndex, replay });
  for (const [k, v] of Object.entries(settled.knobs)) ksm.writeKnob(k as never, v);
  ksm.writeKnob("run", 1);
  const mm = machine.createMm();
  const vma = machine.mmap(mm, 4);
  for (let i = 0; i < 4; i++) machine.write(mm, vma.start + i, machine.contents.pattern(BigInt(seed + i)));
  machine.madvise(mm, vma.start, vma.end, "mergeable");
  return ksm;
}

describe("ScanReplay", () => {
  it("replays settled scans with every observable result of walking them (300 random cases)", () => {
    let replayed = 0;
    let scans = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const c = randomCase(seed);
      const walked = play(c, false);
      const fast = play(c, true);
      expect(walked.replayed).toBe(0);
      expect(fast.seen, `seed ${seed}`).toEqual(walked.seen);
      replayed += fast.replayed;
      scans += fast.scans;
    }
    // a fifth of the cases write between rounds, a quarter have smart scan on, batches or a
    // skip list or hash index: over a tenth of all their scans are still replayed
    expect(replayed).toBeGreaterThan(scans / 10);
  });

  it("walks the first scans and replays the rest once nothing changes", () => {
    const { replayed, scans } = play(settled, true);
    expect(scans).toBe(10);
    // scan 1 takes checksums, 2 merges and fills the unstable tree, 3 starts from the merged
    // state and does again what 2 did for the unique pages, as 4 will: 4 to 10 are replayed
    expect(replayed).toBe(7);
  });

  const unique: Case = { ...settled, pages: [[100, 101, 102, 103, 104, 105, 106, 107]] };

  it("replays the scan after the one that filled the unstable tree", () => {
    // scan 2 puts every page in the unstable tree, 3 starts with them all flagged unstable
    // (2 with none) and takes each out before anything looks at it: 3 to 10 are replayed
    const fast = play(unique, true);
    expect(fast.replayed).toBe(8);
    expect(fast.seen).toEqual(play(unique, false).seen);
  });

  it("starts over after an unmerge freed every rmap_item", () => {
    // run = 2 frees the items: the next scan takes fresh checksums, the one after fills the
    // unstable tree again, and only the two after those are replayed, as in the first round
    const c: Case = {
      ...unique,
      rounds: [
        { writes: [], scans: 4 },
        { writes: [], unmerge: true, scans: 4 },
      ],
    };
    const fast = play(c, true);
    expect(fast.replayed).toBe(4);
    expect(fast.seen).toEqual(play(c, false).seen);
    expect(fast.seen[1]!.counters.pages_unshared).toBe(8);
  });

  it("walks a scan after memory changed, then replays again", () => {
    const c: Case = {
      ...settled,
      rounds: [
        { writes: [], scans: 6 },
        { writes: [[0, 5, 200]], scans: 6 },
      ],
    };
    const fast = play(c, true);
    expect(fast.seen).toEqual(play(c, false).seen);
    expect(fast.replayed).toBeLessThan(play(settled, true).replayed + 3);
    expect(fast.replayed).toBeGreaterThan(0);
  });

  it("walks the scan in which a chain's prune falls due", () => {
    // one content on 5 pages with max_page_sharing 2: a chain, which every search of the
    // unique pages passes over; with a 100 ms prune interval and a 20 ms sleep it falls due
    // every few scans, and those scans are walked
    const c: Case = {
      knobs: {
        smart_scan: 0,
        pages_to_scan: 1_000_000,
        sleep_millisecs: 20,
        max_page_sharing: 2,
        stable_node_chains_prune_millisecs: 100,
      },
      index: rbtreeIndex,
      pages: [[7, 7, 7, 7, 7, 300, 301, 302]],
      rounds: [{ writes: [], scans: 30 }],
    };
    const fast = play(c, true);
    expect(fast.seen).toEqual(play(c, false).seen);
    expect(fast.replayed).toBeGreaterThan(5);
    expect(fast.replayed).toBeLessThan(27);
  });

  it("never replays with smart scan on or a skip list", () => {
    for (const c of [
      { ...settled, knobs: { ...settled.knobs, smart_scan: 1 } },
      { ...settled, index: skiplistIndex() },
    ]) {
      const fast = play(c, true);
      expect(fast.replayed).toBe(0);
      expect(fast.seen).toEqual(play(c, false).seen);
    }
  });

  it("replays scans spread over batches, the clock moving batch by batch", () => {
    const c: Case = { ...settled, knobs: { ...settled.knobs, pages_to_scan: 3 } };
    const fast = play(c, true);
    expect(fast.replayed).toBe(7);
    expect(fast.seen).toEqual(play(c, false).seen);
    // 9 pages in batches of 3: a batch ends each scan on its own, 4 batches a scan
    expect(fast.seen[0]!.now).toBeGreaterThan(10 * 4 * 20);
  });

  it("checked, finds a state changed behind its back", () => {
    // the model only changes through memory (the epoch) and KSM's own work (its counters):
    // a column written directly leaves the digest reused, which "checked" takes again
    const ksm = fourPages(60, "checked");
    ksm.fullScans(4);
    expect(ksm.replay.replayed).toBe(2);
    ksm.items.oldchecksum[0]! ^= 1;
    expect(() => ksm.fullScans(1)).toThrow(/state changed/);
  });

  it("walks batches run one by one", () => {
    const ksm = fourPages(50, true);
    for (let i = 0; i < 10; i++) ksm.runBatch();
    expect(ksm.counters().full_scans).toBe(10);
    expect(ksm.replay.replayed).toBe(0);
    // fullScans' first scan is its baseline, its second is recorded, its third replayed
    ksm.fullScans(3);
    expect(ksm.replay.replayed).toBe(1);
    expect(ksm.counters().full_scans).toBe(13);
  });
});
