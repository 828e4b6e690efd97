import type { FillSpec, ProcessSpec, Step } from "@ksm/scenario";
import { Rng } from "../prng.js";
import { blockKinds, blockRanges, chooseBlocks, fills, PINNED_KNOBS, timelineSteps } from "./layout.js";
import { fracParam, intParam, type Workload, type WorkloadParams } from "./types.js";

/**
 * VM consolidation: `guests` guests of `pages` pages each, booted from one image. The same
 * seeded block layout in every guest (the image's): `shared` of the blocks hold the image
 * (`{"sequence": …}` by page index, so guests duplicate each other page for page), `zero`
 * are zero, `volatile` are rewritten with fresh unique pages at `writeRate` of them
 * between scans, the rest unique. Each guest has changed `drift` of its image blocks, and
 * loads the rest in `bootScans` parts (in its own seeded order), one before each of the
 * first scans, over pages that held other (unique) data: the saving grows as they boot.
 */
export const vmConsolidation: Workload = {
  name: "vm-consolidation",
  description: "N guests x M pages booted from one image: shared, zero, unique and volatile fractions",
  defaults: {
    guests: 8,
    pages: 8192,
    shared: 0.5,
    zero: 0.1,
    volatile: 0.1,
    writeRate: 0.25,
    drift: 0.02,
    bootScans: 6,
    blockPages: 64,
    scans: 12,
  },
  docs: {
    guests: "guests (processes)",
    pages: "pages per guest (a multiple of blockPages)",
    shared: "fraction of blocks holding the boot image",
    zero: "fraction of zero blocks",
    volatile: "fraction of blocks rewritten while the guests run",
    writeRate: "fraction of the volatile blocks rewritten between two scans",
    drift: "fraction of its image blocks each guest has changed",
    bootScans: "the guests load the image in this many parts, one before each of the first scans",
    blockPages: "pages per layout block",
    scans: "full scans, each followed by a report",
  },
  generate(p: WorkloadParams, seed: number) {
    const guests = intParam(p, "guests", 1);
    const blockPages = intParam(p, "blockPages", 1);
    const pages = intParam(p, "pages", blockPages);
    const scans = intParam(p, "scans", 1);
    if (pages % blockPages)
      throw new RangeError(`pages (${pages}) must be a multiple of blockPages (${blockPages})`);
    const shared = fracParam(p, "shared");
    const zero = fracParam(p, "zero");
    const volatile = fracParam(p, "volatile");
    const writeRate = fracParam(p, "writeRate");
    const drift = fracParam(p, "drift");
    const bootScans = intParam(p, "bootScans", 1);
    const unique = Math.max(0, 1 - shared - zero - volatile);
    const rng = new Rng(seed);
    const blocks = pages / blockPages;
    const kinds = blockKinds(rng.fork(1), blocks, [
      ["image", shared],
      ["zero", zero],
      ["volatile", volatile],
      ["unique", unique],
    ]);
    const imageSeed = 1 + rng.int(2 ** 30) * 2 ** 20;
    const blocksOf = (k: string) => kinds.flatMap((kind, b) => (kind === k ? [b] : []));
    const imageBlocks = blocksOf("image");
    const volatileBlocks = blocksOf("volatile");
    const ranges = (k: string) => blockRanges(blocks, blockPages, (b) => kinds[b] === k);

    const processes: ProcessSpec[] = [];
    // boot[g][k]: the image blocks guest g loads before scan k + 1 (k = 0: before the first)
    const boot: number[][][] = [];
    for (let g = 0; g < guests; g++) {
      const changed = new Set(
        chooseBlocks(rng.fork(100 + g), imageBlocks, Math.round(drift * imageBlocks.length)),
      );
      const order = rng.fork(200 + g).shuffle(imageBlocks.filter((b) => !changed.has(b)));
      const chunks = Array.from({ length: bootScans }, (_, k) =>
        order.slice(
          Math.round((k * order.length) / bootScans),
          Math.round(((k + 1) * order.length) / bootScans),
        ),
      );
      boot.push(chunks);
      const loaded = new Set(chunks[0]);
      const fill: FillSpec[] = [
        ...fills(
          blockRanges(blocks, blockPages, (b) => loaded.has(b)),
          (from) => ({ sequence: imageSeed + from }),
        ),
        ...fills(ranges("zero"), () => "zero"),
        ...fills(
          blockRanges(
            blocks,
            blockPages,
            (b) =>
              kinds[b] === "unique" || kinds[b] === "volatile" || (kinds[b] === "image" && !loaded.has(b)),
          ),
          () => "unique",
        ),
      ];
      processes.push({ name: `guest${g}`, regions: [{ name: "ram", pages, fill }] });
    }

    const perScan = Math.round(writeRate * volatileBlocks.length);
    const writes = rng.fork(2);
    const between = (scan: number): Step[] => {
      const out: Step[] = [];
      for (let g = 0; g < guests; g++) {
        const loading = new Set(boot[g]![scan] ?? []);
        for (const range of blockRanges(blocks, blockPages, (b) => loading.has(b)))
          out.push({
            op: "write",
            process: `guest${g}`,
            region: "ram",
            range,
            content: { sequence: imageSeed + range[0] },
          });
        if (perScan === 0) continue;
        const chosen = new Set(chooseBlocks(writes, volatileBlocks, perScan));
        for (const range of blockRanges(blocks, blockPages, (b) => chosen.has(b)))
          out.push({ op: "write", process: `guest${g}`, region: "ram", range, content: "unique" });
      }
      return out;
    };
    return {
      name: `vm-consolidation-${guests}x${pages}-s${seed}`,
      knobs: { ...PINNED_KNOBS },
      processes,
      steps: timelineSteps(scans, between),
    };
  },
};
