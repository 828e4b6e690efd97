import type { ChecksumCost, KsmPlugin, KsmProfile } from "@ksm/contracts";
import type { Scenario } from "@ksm/scenario";
import {
  buildSimulation,
  findProfile,
  loadPlugins,
  type PreparedScenario,
  prepareScenario,
  type SimRecord,
  simulate,
} from "@ksm/sim";
import { bestSaving, bestSavingAtReports } from "./best-saving.js";
import { referenceHashedBytes } from "./checksum-cost.js";
import type { CostCounters } from "./cost.js";
import { type CostModel, estimateKsmdSeconds } from "./cost-model.js";
import { finalCost, type SavingMetrics, savingMetrics } from "./metrics.js";
import { type SeriesPoint, toSeries, visitedPages } from "./series.js";
import { paceAtReports, simulatedSeconds } from "./sim-time.js";
import { getWorkload, resolveParams, type WorkloadParams } from "./workloads/index.js";

/** One cell of the matrix: a workload and seed on a profile with policy variants. */
export interface CellSpec {
  readonly workload: string;
  /** Parameters overriding the workload's defaults. */
  readonly params?: WorkloadParams;
  readonly seed: number;
  readonly profile: string;
  /** Variant per policy axis; axes left out take the profile's default. */
  readonly policies: Readonly<Record<string, string>>;
  /** Plugins to load first (ksm-sim --plugin specs, relative to the working directory). */
  readonly plugins?: readonly string[];
}

/** What one cell measured. Everything but `wallSeconds` is a function of the spec. */
export interface CellResult {
  readonly key: string;
  readonly spec: CellSpec;
  /** `axis=variant,…`, or `default`. */
  readonly variant: string;
  /** Pages mapped at the end of the scenario. */
  readonly pages: number;
  readonly metrics: SavingMetrics | null;
  readonly series: readonly SeriesPoint[];
  /** The cost counters at the end of the run, when the simulator reports them. */
  readonly cost: Partial<CostCounters> | null;
  /** Pages ksmd visited: cost.pages_scanned, or estimated from the rmap_items of each scan. */
  readonly pagesScanned: number;
  /** Whether pagesScanned is the estimate (no cost counters). */
  readonly pagesScannedEstimated: boolean;
  /** ksmd CPU seconds the calibrated cost model predicts; null without a model. */
  readonly estKsmdSeconds: number | null;
  /** The simulator's wall time for the run (not deterministic). */
  readonly wallSeconds: number;
  /** The error that stopped the cell, if one did. */
  readonly error: string | null;
  /**
   * The content key of the cell's resolved configuration (see configKey): cells with the
   * same key ran once. null: the configuration did not resolve, or the cell ran alone.
   */
  readonly configKey?: string | null;
}

/** `axis=variant` pairs in axis order, or `default`. */
export function variantLabel(policies: Readonly<Record<string, string>>): string {
  const keys = Object.keys(policies).sort();
  return keys.length ? keys.map((k) => `${k}=${policies[k]}`).join(",") : "default";
}

/** The sort key of a cell: workload, profile, variant, seed (zero-padded). */
export function cellKey(spec: CellSpec): string {
  return [spec.workload, spec.profile, variantLabel(spec.policies), String(spec.seed).padStart(10, "0")].join(
    "|",
  );
}

/**
 * The scenario of a cell (generated from the workload, parameters and seed), validated for
 * its profile (default: the cell's, among the built-in ones) with the knobs that profile
 * lacks taken out, as `ksm-sim run --profile` does.
 */
export function cellScenario(
  spec: CellSpec,
  profile: KsmProfile = findProfile(spec.profile),
): PreparedScenario {
  const w = getWorkload(spec.workload);
  const scenario = w.generate(resolveParams(w, spec.params), spec.seed);
  return prepareScenario(JSON.parse(JSON.stringify(scenario)), profile);
}

/** Runs one cell on the simulator, in this thread. */
export async function runCell(spec: CellSpec, model: CostModel | null): Promise<CellResult> {
  const key = cellKey(spec);
  const variant = variantLabel(spec.policies);
  const base = { key, spec, variant };
  let scenario: Scenario;
  let plugins: KsmPlugin[];
  try {
    plugins = await loadPlugins(spec.plugins ?? []);
    scenario = cellScenario(spec, findProfile(spec.profile, plugins)).scenario;
  } catch (e) {
    return failed(base, 0, e);
  }
  const bestAt = bestSavingAtReports(scenario);
  const best = bestSaving(scenario);
  const records: SimRecord[] = [];
  let wallSeconds = 0;
  let checksumCost: ChecksumCost | undefined;
  try {
    const options = await buildSimulation({ profile: spec.profile, policies: spec.policies, plugins });
    checksumCost = options.checksum.cost;
    const t0 = performance.now();
    for (const r of simulate(scenario, options)) records.push(r);
    wallSeconds = (performance.now() - t0) / 1000;
  } catch (e) {
    return failed(base, best.pages, e);
  }
  const counted = toSeries(
    records,
    bestAt.map((b) => b.bestSavedPages),
  );
  const seconds = simulatedSeconds(counted, paceAtReports(scenario), model);
  const series = counted.map((p, i) => (seconds[i] === null ? p : { ...p, seconds: seconds[i]! }));
  const cost = finalCost(series) ?? null;
  const estimated = cost?.pages_scanned === undefined;
  const pagesScanned = estimated ? visitedPages(series) : cost.pages_scanned!;
  const hashed = cost ? referenceHashedBytes(cost, checksumCost) : undefined;
  const counters = {
    ...cost,
    pages_scanned: pagesScanned,
    ...(hashed === undefined ? {} : { bytes_hashed: hashed }),
  };
  return {
    ...base,
    pages: best.pages,
    metrics: savingMetrics(series, best.bestSavedPages),
    series,
    cost,
    pagesScanned,
    pagesScannedEstimated: estimated,
    estKsmdSeconds: model ? estimateKsmdSeconds(model, counters) : null,
    wallSeconds,
    error: null,
  };
}

/** The result of a cell that could not run (e.g. its job failed on a queue), with `e` as its error. */
export function failedCell(spec: CellSpec, e: unknown): CellResult {
  return failed({ key: cellKey(spec), spec, variant: variantLabel(spec.policies) }, 0, e);
}

function failed(base: Pick<CellResult, "key" | "spec" | "variant">, pages: number, e: unknown): CellResult {
  return {
    ...base,
    pages,
    metrics: null,
    series: [],
    cost: null,
    pagesScanned: 0,
    pagesScannedEstimated: true,
    estKsmdSeconds: null,
    wallSeconds: 0,
    error: e instanceof Error ? e.message : String(e),
  };
}
