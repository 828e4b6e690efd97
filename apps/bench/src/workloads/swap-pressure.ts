import type { ProcessSpec, Step } from "@ksm/scenario";
import { Rng } from "../prng.js";
import { PINNED_KNOBS } from "./layout.js";
import { fracParam, intParam, type Workload, type WorkloadParams } from "./types.js";

/**
 * Guests booted from one image on a machine short of memory (a simulator-only workload:
 * it uses the scenario extensions `machine`, `pressure` and `read`). After ksmd has merged
 * for two scans, each round puts the machine under pressure (reclaim down to `free` of its
 * RAM free, with the chosen reclaim policy) and then every guest touches the `touch` part of
 * its memory, faulting swapped pages back in: a policy that keeps the touched pages saves
 * swap I/O. With `ksm` 0 the guests are not mergeable: the same work
 * then needs far more frames, and far more swap I/O, which is what KSM saves.
 */
export const swapPressure: Workload = {
  name: "swap-pressure",
  description: "guests from one image under memory pressure: swap I/O with and without merging",
  defaults: { guests: 4, pages: 2048, image: 0.75, memory: 0.5, free: 0.25, touch: 0.5, rounds: 6, ksm: 1 },
  docs: {
    guests: "guests",
    pages: "pages per guest",
    image: "fraction of each guest that is the shared image (the rest unique)",
    memory: "RAM as a fraction of all the guests' pages",
    free: "fraction of RAM each pressure round frees",
    touch: "fraction of each guest (its start: image and hot data) touched every round",
    rounds: "pressure-and-touch rounds, each followed by a full scan and a report",
    ksm: "1: the guests are mergeable; 0: they are not",
  },
  generate(p: WorkloadParams, seed: number) {
    const guests = intParam(p, "guests", 1);
    const pages = intParam(p, "pages", 1);
    const rounds = intParam(p, "rounds", 1);
    const ksm = intParam(p, "ksm", 0);
    const image = Math.floor(pages * fracParam(p, "image"));
    const memoryPages = Math.max(1, Math.floor(guests * pages * fracParam(p, "memory")));
    const touched = Math.max(1, Math.floor(pages * fracParam(p, "touch")));
    const freePages = Math.floor(memoryPages * fracParam(p, "free"));
    const base = 1 + new Rng(seed).int(2 ** 30) * 2 ** 20;
    const processes: ProcessSpec[] = Array.from({ length: guests }, (_, g) => ({
      name: `g${g}`,
      regions: [
        {
          name: "ram",
          pages,
          mergeable: ksm === 1,
          fill: [
            { range: [0, image], content: { sequence: base } },
            ...(image < pages ? [{ range: [image, pages] as const, content: "unique" as const }] : []),
          ],
        },
      ],
    }));
    const steps: Step[] = [
      { op: "scan", fullScans: 2 },
      { op: "report", label: "merged" },
    ];
    for (let r = 1; r <= rounds; r++) {
      steps.push({ op: "pressure", freePages });
      for (let g = 0; g < guests; g++)
        steps.push({ op: "read", process: `g${g}`, region: "ram", range: [0, touched] });
      steps.push({ op: "scan", fullScans: 1 }, { op: "report", label: `round-${r}` });
    }
    steps.push({ op: "verify", label: "verify" });
    return {
      name: `swap-pressure-s${seed}`,
      machine: { swapPages: guests * pages, memoryPages },
      knobs: { ...PINNED_KNOBS, smart_scan: 0 },
      processes,
      steps,
    };
  },
};
