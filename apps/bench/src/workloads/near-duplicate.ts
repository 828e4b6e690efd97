import type { FillSpec, ProcessSpec } from "@ksm/scenario";
import { Rng } from "../prng.js";
import { PINNED_KNOBS, timelineSteps } from "./layout.js";
import { intParam, type Workload, type WorkloadParams } from "./types.js";

/**
 * Near-duplicate pages, `memcmp`'s worst case: runs of `runPages` pages filled with
 * `{"sequence": S, "poke": [[4095, v]]}` for `variants` values of v, so that page k of
 * every variant of a run equals the others but for its last byte. Each (run, variant)
 * appears `copies` times, at seeded places among `processes` processes of `pages` pages.
 */
export const nearDuplicate: Workload = {
  name: "near-duplicate",
  description: "pages equal but for their last byte (memcmp worst case), some exact copies",
  defaults: { processes: 2, pages: 4096, variants: 32, copies: 2, runPages: 128, scans: 6 },
  docs: {
    processes: "processes",
    pages: "pages per process (a multiple of runPages)",
    variants: "variants of each run, differing only in the last byte of each page (1 to 256)",
    copies: "exact copies of each (run, variant)",
    runPages: "pages per run",
    scans: "full scans, each followed by a report",
  },
  generate(p: WorkloadParams, seed: number) {
    const processes = intParam(p, "processes", 1);
    const runPages = intParam(p, "runPages", 1);
    const pages = intParam(p, "pages", runPages);
    const variants = intParam(p, "variants", 1);
    const copies = intParam(p, "copies", 1);
    const scans = intParam(p, "scans", 1);
    if (variants > 256) throw new RangeError("variants must be at most 256 (one poked byte)");
    if (pages % runPages) throw new RangeError("pages must be a multiple of runPages");
    const rng = new Rng(seed);
    const slots = (processes * pages) / runPages;
    const distinct = Math.ceil(slots / copies);
    const seedBase = 1 + rng.int(2 ** 30) * 2 ** 20;
    // (run, variant) pairs: variants of one run first, `copies` times each, then shuffled
    const placed: number[] = [];
    for (let d = 0; d < distinct; d++)
      for (let c = 0; c < copies && placed.length < slots; c++) placed.push(d);
    rng.fork(1).shuffle(placed);
    const procs: ProcessSpec[] = [];
    for (let q = 0; q < processes; q++) {
      const fill: FillSpec[] = [];
      for (let r = 0; r < pages / runPages; r++) {
        const d = placed[q * (pages / runPages) + r]!;
        const run = Math.floor(d / variants);
        fill.push({
          range: [r * runPages, (r + 1) * runPages],
          content: { sequence: seedBase + run * runPages, poke: [[4095, d % variants]] },
        });
      }
      procs.push({ name: `p${q}`, regions: [{ name: "heap", pages, fill }] });
    }
    return {
      name: `near-duplicate-${processes}x${pages}-s${seed}`,
      knobs: { ...PINNED_KNOBS },
      processes: procs,
      steps: timelineSteps(scans),
    };
  },
};
