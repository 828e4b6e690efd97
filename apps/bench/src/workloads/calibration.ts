import type { FillSpec, ProcessSpec, Step } from "@ksm/scenario";
import { timelineSteps } from "./layout.js";
import { intParam, type Workload, type WorkloadParams } from "./types.js";

type Kind = "unique" | "dup" | "near" | "volatile" | "zero";

const DESCRIPTIONS: Record<Kind, string> = {
  unique: "unique pages: a checksum and an unstable-tree insert per visit",
  dup: "64 contents in runs: merges, then stable pages that cost almost nothing",
  near: "pages equal but for the last byte: full-page memcmp in the unstable tree",
  volatile: "pages rewritten between scans: a checksum per visit, no tree",
  zero: "zero pages with use_zero_pages 1: merges with the zero page",
};

/**
 * A calibration workload: one process of `pages` pages of one kind, smart_scan 0, `scans`
 * full scans each followed by a report. The cost model is fitted on such workloads, run on
 * the kernel (ksmd's CPU time) and on the simulator (its cost counters).
 */
function calibration(kind: Kind): Workload {
  return {
    name: `cal-${kind}`,
    description: DESCRIPTIONS[kind],
    defaults: { pages: 65_536, scans: 8 },
    docs: { pages: "pages", scans: "full scans, each followed by a report" },
    generate(p: WorkloadParams) {
      const pages = intParam(p, "pages", 256);
      const scans = intParam(p, "scans", 1);
      let fill: FillSpec[];
      const runs = 64;
      const run = Math.floor(pages / runs);
      if (kind === "unique" || kind === "volatile") fill = [{ content: "unique" }];
      else if (kind === "zero") fill = [{ content: "zero" }];
      else if (kind === "dup")
        fill = Array.from({ length: runs }, (_, k) => ({
          range: [k * run, k === runs - 1 ? pages : (k + 1) * run] as const,
          content: { pattern: 500 + k },
        }));
      else
        fill = Array.from({ length: runs }, (_, k) => ({
          range: [k * run, k === runs - 1 ? pages : (k + 1) * run] as const,
          content: { sequence: 1_000_000, poke: [[4095, k]] as [number, number][] },
        }));
      const processes: ProcessSpec[] = [{ name: "p", regions: [{ name: "r", pages, fill }] }];
      const between = (): Step[] =>
        kind === "volatile" ? [{ op: "write", process: "p", region: "r", content: "unique" }] : [];
      return {
        name: `cal-${kind}-${pages}`,
        knobs: {
          smart_scan: 0,
          stable_node_chains_prune_millisecs: 3_600_000,
          ...(kind === "zero" ? { use_zero_pages: 1 } : {}),
        },
        processes,
        steps: timelineSteps(scans, between),
      };
    },
  };
}

/** The calibration workloads, one per cost the model separates. */
export const CALIBRATION_WORKLOADS: readonly Workload[] = (
  ["unique", "dup", "near", "volatile", "zero"] as const
).map(calibration);
