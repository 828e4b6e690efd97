import type { FillSpec, ProcessSpec, Step } from "@ksm/scenario";
import { Rng } from "../prng.js";
import { blockKinds, blockRanges, chooseBlocks, fills, PINNED_KNOBS, timelineSteps } from "./layout.js";
import { fracParam, intParam, type Workload, type WorkloadParams } from "./types.js";

/** Non-zero duplicate heap pages come from this many common contents. */
const POOL = 8;

/**
 * Zero-heavy heaps: `processes` heaps of `pages` pages, `zero` of their blocks zero, `dup`
 * from a pool of 8 common contents, the rest unique. Between scans `churn` of each heap's
 * blocks are rewritten, half freed (zeroed) and half allocated (unique), as a heap does.
 * `useZeroPages` sets the knob of that name.
 */
export const zeroHeavy: Workload = {
  name: "zero-heavy",
  description: "heaps that are mostly zero pages, freed and reallocated while scanned",
  defaults: {
    processes: 4,
    pages: 8192,
    zero: 0.7,
    dup: 0.1,
    churn: 0.05,
    useZeroPages: 0,
    blockPages: 16,
    scans: 10,
  },
  docs: {
    processes: "processes",
    pages: "heap pages per process (a multiple of blockPages)",
    zero: "fraction of zero blocks",
    dup: "fraction of blocks from a pool of 8 common contents",
    churn: "fraction of blocks rewritten between two scans (half zeroed, half unique)",
    useZeroPages: "the use_zero_pages knob (0 or 1)",
    blockPages: "pages per layout block",
    scans: "full scans, each followed by a report",
  },
  generate(p: WorkloadParams, seed: number) {
    const processes = intParam(p, "processes", 1);
    const blockPages = intParam(p, "blockPages", 1);
    const pages = intParam(p, "pages", blockPages);
    const scans = intParam(p, "scans", 1);
    const useZeroPages = intParam(p, "useZeroPages", 0);
    if (useZeroPages > 1) throw new RangeError("useZeroPages must be 0 or 1");
    if (pages % blockPages) throw new RangeError("pages must be a multiple of blockPages");
    const zero = fracParam(p, "zero");
    const dup = fracParam(p, "dup");
    const churn = fracParam(p, "churn");
    const rng = new Rng(seed);
    const blocks = pages / blockPages;
    const poolSeed = 1 + rng.int(2 ** 30) * 2 ** 20;
    const procs: ProcessSpec[] = [];
    for (let q = 0; q < processes; q++) {
      const r = rng.fork(10 + q);
      const kinds = blockKinds(r, blocks, [
        ["zero", zero],
        ["dup", dup],
        ["unique", Math.max(0, 1 - zero - dup)],
      ]);
      const ranges = (k: string) => blockRanges(blocks, blockPages, (b) => kinds[b] === k);
      const dupFills: FillSpec[] = [];
      for (let b = 0; b < blocks; b++)
        if (kinds[b] === "dup")
          dupFills.push({
            range: [b * blockPages, (b + 1) * blockPages],
            content: { pattern: poolSeed + r.int(POOL) },
          });
      const fill = [
        ...fills(ranges("zero"), () => "zero" as const),
        ...dupFills,
        ...fills(ranges("unique"), () => "unique"),
      ];
      procs.push({ name: `heap${q}`, regions: [{ name: "heap", pages, fill }] });
    }
    const perScan = Math.round(churn * blocks);
    const w = rng.fork(2);
    const all = Array.from({ length: blocks }, (_, b) => b);
    const between = (): Step[] => {
      const out: Step[] = [];
      for (let q = 0; q < processes && perScan > 0; q++) {
        const chosen = chooseBlocks(w, all, perScan);
        const freed = new Set(chosen.filter((_, i) => i % 2 === 0));
        const allocated = new Set(chosen.filter((_, i) => i % 2 === 1));
        for (const range of blockRanges(blocks, blockPages, (b) => freed.has(b)))
          out.push({ op: "write", process: `heap${q}`, region: "heap", range, content: "zero" });
        for (const range of blockRanges(blocks, blockPages, (b) => allocated.has(b)))
          out.push({ op: "write", process: `heap${q}`, region: "heap", range, content: "unique" });
      }
      return out;
    };
    return {
      name: `zero-heavy-${processes}x${pages}${useZeroPages ? "-uzp" : ""}-s${seed}`,
      knobs: { ...PINNED_KNOBS, use_zero_pages: useZeroPages },
      processes: procs,
      steps: timelineSteps(scans, between),
    };
  },
};
