import { writeFileSync } from "node:fs";
import { parseScenario } from "@ksm/scenario";
import { buildSimulation, firstDifference, type SimRecord, simulate, validateKnob } from "@ksm/sim";
import type { CostCounters } from "../cost.js";
import {
  type Calibration,
  type CalibrationSample,
  type CostField,
  estimateKsmdSeconds,
  fitCostModel,
} from "../cost-model.js";
import { oracleUnavailable, runOracle } from "../kernel/oracle.js";
import { clockTicks } from "../kernel/procfs.js";
import { machineInfo, today } from "../machine.js";
import { finalCost } from "../metrics.js";
import { formatJson } from "../report/json.js";
import { toSeries, visitedPages } from "../series.js";
import { CALIBRATION_WORKLOADS } from "../workloads/index.js";

/** The counters the full model uses, once the simulator reports them (ksmd's own work only). */
export const FULL_MODEL_FEATURES: readonly CostField[] = [
  "pages_scanned",
  "bytes_hashed",
  "bytes_compared",
  "tree_nodes_visited",
  "merges",
];

/** The simulator's features for a calibration scenario's records. */
function simFeatures(records: readonly SimRecord[]): { features: Partial<CostCounters>; full: boolean } {
  const series = toSeries(records);
  const cost = finalCost(series);
  if (cost && FULL_MODEL_FEATURES.every((f) => cost[f] !== undefined)) return { features: cost, full: true };
  return { features: { pages_scanned: cost?.pages_scanned ?? visitedPages(series) }, full: false };
}

/**
 * Calibrates the cost model on this machine: every calibration workload at each size runs
 * on the kernel oracle (ksmd's CPU time from /proc/<ksmd>/stat around the run) and on the
 * simulator (its cost counters), then a linear model is fitted and written to `out`.
 * Without cost counters in the simulator's records, the model is provisional: pages
 * scanned only.
 */
export async function calibrate(opts: {
  sizes: readonly number[];
  scans: number;
  out: string;
  command: string;
  /** Longest wait for an idle machine before each kernel run, seconds. */
  quietWaitSeconds: number;
  log: (l: string) => void;
}): Promise<Calibration> {
  const why = oracleUnavailable();
  if (why) throw new Error(`calibration needs the kernel oracle: ${why}`);
  const options = await buildSimulation({});
  const raw: (Omit<CalibrationSample, "predictedSeconds"> & { full: boolean })[] = [];
  for (const size of opts.sizes)
    for (const w of CALIBRATION_WORKLOADS) {
      const scenario = parseScenario(
        JSON.parse(JSON.stringify(w.generate({ pages: size, scans: opts.scans }, 0))),
        validateKnob,
      );
      opts.log(`bench: calibrating ${w.name} (${size} pages) on the kernel…`);
      const run = await runOracle(scenario, { log: opts.log, quietWaitSeconds: opts.quietWaitSeconds });
      const records = [...simulate(scenario, options)];
      const diffs = run.records.map((k, i) => firstDifference(k, records[i]));
      const match = diffs.every((d) => d === null) && run.records.length === records.length;
      const { features, full } = simFeatures(records);
      opts.log(
        `bench:   ksmd ${run.ksmdCpuSeconds.toFixed(2)} s CPU, kernel pages_scanned ${run.pagesScanned}, simulator ${features.pages_scanned}${match ? "" : `, records differ: ${diffs.find((d) => d) ?? "count"}`}${run.disturbed ? ` (disturbed: ${run.disturbed})` : ""}`,
      );
      raw.push({
        workload: w.name,
        pages: size,
        kernelCpuSeconds: run.ksmdCpuSeconds,
        kernelPagesScanned: run.pagesScanned,
        features,
        recordsMatch: match,
        disturbed: run.disturbed,
        full,
      });
    }
  const full = raw.every((s) => s.full);
  const features = full ? FULL_MODEL_FEATURES : (["pages_scanned"] as const);
  const fitOn = raw.filter((s) => !s.disturbed);
  const model = fitCostModel(
    (fitOn.length ? fitOn : raw).map((s) => ({ features: s.features, seconds: s.kernelCpuSeconds })),
    features,
  );
  const calibration: Calibration = {
    date: today(),
    command: opts.command,
    machine: machineInfo(),
    provisional: !full,
    note: full
      ? "ksmd CPU seconds = sum of nsPer[f] x cost counter f / 1e9, fitted by non-negative least squares (relative errors) on the samples below."
      : "PROVISIONAL: the simulator reports no cost counters yet, so the model knows pages scanned only (the simulator's pages visited per full scan, equal to the kernel's pages_scanned on these smart_scan-0 workloads). Re-run the command once records carry `cost`.",
    clockTicks: clockTicks(),
    ...model,
    samples: raw.map(({ full: _, ...s }) => ({
      ...s,
      predictedSeconds: estimateKsmdSeconds(model, s.features),
    })),
  };
  writeFileSync(opts.out, formatJson(calibration));
  return calibration;
}
