import type { FillSpec, ProcessSpec, Step } from "@ksm/scenario";
import { Rng } from "../prng.js";
import { blockKinds, blockRanges, fills, PINNED_KNOBS, timelineSteps } from "./layout.js";
import { fracParam, intParam, type Workload, type WorkloadParams } from "./types.js";

/** Heap pages drawn from a small pool of common contents (allocator patterns, shared strings). */
const HEAP_POOL = 16;

/**
 * A container fleet: `containers` processes, each running one of `images` images, their
 * memory MADV_MERGEABLE (not PR_SET_MEMORY_MERGE: on the kernel oracle that would make the
 * Python worker's own memory mergeable too, and the kernel's counters would count it). Every container maps a base layer
 * common to all images (`basePages`), its image's layer (`imagePages`) and a heap
 * (`heapPages`: `heapZero` zero, `heapDup` from a pool of 16 common contents, the rest
 * unique). Every `churnEvery` scans, `churn` containers exit and as many start, forked from
 * a running container of the same image, with a heap of their own.
 */
export const containerFleet: Workload = {
  name: "container-fleet",
  description: "containers from a few images: shared base and image layers, heaps, churn (exit and fork)",
  defaults: {
    containers: 12,
    images: 3,
    basePages: 1024,
    imagePages: 2048,
    heapPages: 2048,
    heapZero: 0.3,
    heapDup: 0.2,
    churn: 2,
    churnEvery: 4,
    blockPages: 32,
    scans: 16,
  },
  docs: {
    containers: "containers running at any time",
    images: "distinct images (each container runs one)",
    basePages: "pages of the layer common to every image",
    imagePages: "pages of each image's own layer",
    heapPages: "heap pages per container (a multiple of blockPages)",
    heapZero: "fraction of heap blocks that are zero",
    heapDup: "fraction of heap blocks filled from a pool of 16 common contents",
    churn: "containers replaced at each churn event",
    churnEvery: "scans between churn events",
    blockPages: "pages per heap layout block",
    scans: "full scans, each followed by a report",
  },
  generate(p: WorkloadParams, seed: number) {
    const containers = intParam(p, "containers", 1);
    const images = intParam(p, "images", 1);
    const basePages = intParam(p, "basePages", 1);
    const imagePages = intParam(p, "imagePages", 1);
    const blockPages = intParam(p, "blockPages", 1);
    const heapPages = intParam(p, "heapPages", blockPages);
    if (heapPages % blockPages) throw new RangeError(`heapPages must be a multiple of blockPages`);
    const heapZero = fracParam(p, "heapZero");
    const heapDup = fracParam(p, "heapDup");
    const churn = intParam(p, "churn", 0);
    const churnEvery = intParam(p, "churnEvery", 1);
    const scans = intParam(p, "scans", 1);
    const rng = new Rng(seed);
    const seeds = rng.fork(1);
    const seedBase = () => 1 + seeds.int(2 ** 30) * 2 ** 20;
    const baseSeed = seedBase();
    const imageSeeds = Array.from({ length: images }, seedBase);
    const poolSeed = seedBase();
    const blocks = heapPages / blockPages;
    const heapRng = rng.fork(2);

    /** A fresh heap: its fill entries. */
    const heap = (): FillSpec[] => {
      const kinds = blockKinds(heapRng, blocks, [
        ["zero", heapZero],
        ["dup", heapDup],
        ["unique", Math.max(0, 1 - heapZero - heapDup)],
      ]);
      const out: FillSpec[] = [];
      for (let b = 0; b < blocks; b++) {
        if (kinds[b] !== "dup") continue;
        out.push({
          range: [b * blockPages, (b + 1) * blockPages],
          content: { pattern: poolSeed + heapRng.int(HEAP_POOL) },
        });
      }
      const ranges = (k: string) => blockRanges(blocks, blockPages, (b) => kinds[b] === k);
      return [...fills(ranges("zero"), () => "zero"), ...out, ...fills(ranges("unique"), () => "unique")];
    };

    const assign = rng.fork(3);
    const live: { name: string; image: number }[] = [];
    const processes: ProcessSpec[] = [];
    for (let c = 0; c < containers; c++) {
      const image = c < images ? c : assign.int(images);
      live.push({ name: `c${c}`, image });
      processes.push({
        name: `c${c}`,
        regions: [
          { name: "base", pages: basePages, fill: [{ content: { sequence: baseSeed } }] },
          { name: "image", pages: imagePages, fill: [{ content: { sequence: imageSeeds[image]! } }] },
          { name: "heap", pages: heapPages, fill: heap() },
        ],
      });
    }

    let next = containers;
    const churnRng = rng.fork(4);
    const between = (scan: number): Step[] => {
      if (churn === 0 || scan % churnEvery !== 0) return [];
      const out: Step[] = [];
      for (let i = 0; i < churn && live.length > 1; i++) {
        const victim = live.splice(churnRng.int(live.length), 1)[0]!;
        out.push({ op: "exit", process: victim.name });
        const sameImage = live.filter((c) => c.image === victim.image);
        const parent = sameImage.length
          ? sameImage[churnRng.int(sameImage.length)]!
          : live[churnRng.int(live.length)]!;
        const child = { name: `c${next++}`, image: parent.image };
        out.push({ op: "fork", process: parent.name, child: child.name });
        for (const f of heap())
          out.push({
            op: "write",
            process: child.name,
            region: "heap",
            ...(f.range ? { range: f.range } : {}),
            content: f.content,
          });
        live.push(child);
      }
      return out;
    };
    return {
      name: `container-fleet-${containers}-s${seed}`,
      knobs: { ...PINNED_KNOBS },
      processes,
      steps: timelineSteps(scans, between),
    };
  },
};
