import type { CostCounters } from "@ksm/contracts";
import type { Knobs } from "./knobs.js";

/** The advisor's memory between full scans (`struct advisor_ctx`). */
export interface AdvisorContext {
  /** Smoothed change of the scan time, in percent (0 before the first adjustment). */
  change: number;
  /** Last full scan's duration, seconds. */
  scanTime: number;
  /** ksmd's CPU time at the end of the last full scan, ns. */
  cpuTime: number;
}

const EWMA_WEIGHT = 30;
const KSM_ADVISOR_MIN_CPU = 10;

/**
 * `scan_time_advisor`: the pages_to_scan for the next full scan, from how long the last one
 * took (`elapsedMs`) against `advisor_target_scan_time`, within the CPU budget, in the
 * kernel's integer arithmetic. Updates `ctx`.
 */
export function scanTimeAdvisor(knobs: Knobs, ctx: AdvisorContext, elapsedMs: number, cpuNs: number): number {
  const scanTime = Math.max(1, Math.floor(elapsedMs / 1000));
  const cpuMs = Math.floor((cpuNs - ctx.cpuTime) / 1e6);
  const cpuPercent = Math.max(1, Math.floor((cpuMs * 100) / (scanTime * 1000)));
  const last = ctx.scanTime ? ctx.scanTime : scanTime;
  const factor = Math.max(1, Math.floor((knobs.advisor_target_scan_time * 100) / scanTime));
  let change = Math.max(1, Math.floor((scanTime * 100) / last));
  change = Math.floor(((100 - EWMA_WEIGHT) * ctx.change + EWMA_WEIGHT * change) / 100);
  let pages = Math.floor((knobs.pages_to_scan * 100) / factor);
  pages = Math.floor((pages * change) / 100);
  const perPageCost = Math.max(1, Math.floor(knobs.pages_to_scan / cpuPercent));
  pages = Math.min(pages, perPageCost * knobs.advisor_max_cpu);
  pages = Math.max(pages, perPageCost * KSM_ADVISOR_MIN_CPU);
  pages = Math.min(pages, knobs.advisor_max_pages_to_scan);
  ctx.change = change;
  ctx.scanTime = scanTime;
  ctx.cpuTime = cpuNs;
  return pages;
}

/** ns of ksmd CPU time per unit of work: the simulated clock's model of scanning cost. */
export interface CpuModel {
  readonly perPage: number;
  readonly perHashedByte: number;
  readonly perComparedByte: number;
  readonly perNodeVisit: number;
  readonly perMerge: number;
}

/** A default model (ns); `apps/bench` can calibrate one against the real ksmd. */
export const DEFAULT_CPU_MODEL: CpuModel = {
  perPage: 150,
  perHashedByte: 0.1,
  perComparedByte: 0.05,
  perNodeVisit: 20,
  perMerge: 1500,
};

/** Modeled ksmd CPU time, ns, for the work between two cost snapshots. */
export function cpuTimeNs(model: CpuModel, from: CostCounters, to: CostCounters): number {
  return (
    (to.pages_scanned - from.pages_scanned) * model.perPage +
    (to.bytes_hashed - from.bytes_hashed) * model.perHashedByte +
    (to.bytes_compared - from.bytes_compared) * model.perComparedByte +
    (to.tree_nodes_visited - from.tree_nodes_visited) * model.perNodeVisit +
    (to.merges - from.merges) * model.perMerge
  );
}
