import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { COST_FIELDS, type CostCounters } from "./cost.js";

/** A cost counter's name. */
export type CostField = keyof CostCounters;

/** A linear model of ksmd's CPU time: nanoseconds per unit of each cost counter. */
export interface CostModel {
  /** The counters the model uses. */
  readonly features: readonly CostField[];
  /** Nanoseconds of ksmd CPU per unit of each feature. */
  readonly nsPer: Readonly<Partial<Record<CostField, number>>>;
}

/** One calibration workload as the kernel and the simulator ran it. */
export interface CalibrationSample {
  readonly workload: string;
  readonly pages: number;
  /** ksmd's CPU time over the oracle's run, seconds (clock-tick resolution). */
  readonly kernelCpuSeconds: number;
  /** The kernel's pages_scanned over the run. */
  readonly kernelPagesScanned: number | null;
  /** The simulator's features for the same scenario. */
  readonly features: Readonly<Partial<Record<CostField, number>>>;
  /** Whether the simulator printed the kernel's records (null: not compared). */
  readonly recordsMatch: boolean | null;
  /** What the fitted model predicts, seconds. */
  readonly predictedSeconds: number | null;
  /** Why the kernel's timing may be off, or null. */
  readonly disturbed: string | null;
}

/** calibration.json: a fitted cost model with where, when and how it was made. */
export interface Calibration extends CostModel {
  readonly date: string;
  readonly command: string;
  readonly machine: Readonly<Record<string, string | number>>;
  /** True while the simulator has no cost counters and the model only knows pages scanned. */
  readonly provisional: boolean;
  readonly note: string;
  readonly clockTicks: number;
  readonly samples: readonly CalibrationSample[];
}

/** The package's committed calibration file. */
export const CALIBRATION_FILE = resolve(dirname(fileURLToPath(import.meta.url)), "../calibration.json");

/** The calibration at `file` (default the committed one), or null when there is none. */
export function loadCalibration(file = CALIBRATION_FILE): Calibration | null {
  if (!existsSync(file)) return null;
  return JSON.parse(readFileSync(file, "utf8")) as Calibration;
}

/** ksmd CPU seconds the model predicts for these counters; null when one it needs is missing. */
export function estimateKsmdSeconds(
  model: CostModel,
  counters: Readonly<Partial<Record<CostField, number>>>,
): number | null {
  let ns = 0;
  for (const f of model.features) {
    const x = counters[f];
    if (x === undefined) return null;
    ns += (model.nsPer[f] ?? 0) * x;
  }
  return ns / 1e9;
}

/**
 * Fits a {@link CostModel} to samples (counters → seconds) by non-negative least squares on
 * relative errors (every sample weighs the same whatever its size). Features that do not
 * vary independently, or would get a negative cost, are dropped (cost 0).
 */
export function fitCostModel(
  samples: readonly { features: Readonly<Partial<Record<CostField, number>>>; seconds: number }[],
  features: readonly CostField[],
): CostModel {
  const usable = samples.filter((s) => s.seconds > 0 && features.every((f) => s.features[f] !== undefined));
  if (usable.length === 0) throw new Error("no calibration sample has every feature and a positive time");
  // scale columns to unit size so that bytes and pages weigh alike in the solve
  const scale = features.map((f) => Math.max(...usable.map((s) => s.features[f]! / s.seconds)) || 1);
  const rows = usable.map((s) => features.map((f, j) => s.features[f]! / s.seconds / scale[j]!));
  let active = features.map((_, j) => j).filter((j) => rows.some((r) => r[j]! > 0));
  let coef: number[] = [];
  for (;;) {
    coef = solveLeastSquares(
      rows.map((r) => active.map((j) => r[j]!)),
      rows.map(() => 1),
    );
    if (coef.length === 0) {
      active = active.slice(0, -1);
      continue;
    }
    let worst = -1;
    for (let k = 0; k < coef.length; k++)
      if (coef[k]! < 0 && (worst < 0 || coef[k]! < coef[worst]!)) worst = k;
    if (worst < 0) break;
    active = active.filter((_, k) => k !== worst);
    if (active.length === 0) break;
  }
  const nsPer: Partial<Record<CostField, number>> = {};
  features.forEach((f, j) => {
    const k = active.indexOf(j);
    nsPer[f] = k < 0 ? 0 : (coef[k]! / scale[j]!) * 1e9;
  });
  return { features: [...features], nsPer };
}

/** Least squares min |A x − b| through the normal equations; [] when A'A is singular. */
function solveLeastSquares(a: readonly (readonly number[])[], b: readonly number[]): number[] {
  const n = a[0]?.length ?? 0;
  if (n === 0) return [];
  const m: number[][] = Array.from({ length: n }, (_, i) => [
    ...Array.from({ length: n }, (_, j) => a.reduce((s, r) => s + r[i]! * r[j]!, 0)),
    a.reduce((s, r, k) => s + r[i]! * b[k]!, 0),
  ]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    if (Math.abs(m[p]![c]!) < 1e-12) return [];
    [m[c], m[p]] = [m[p]!, m[c]!];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r]![c]! / m[c]![c]!;
      for (let k = c; k <= n; k++) m[r]![k]! -= f * m[c]![k]!;
    }
  }
  return m.map((row, i) => row[n]! / row[i]!);
}

/** Every cost counter (for a full model once the simulator reports them). */
export const ALL_COST_FIELDS: readonly CostField[] = COST_FIELDS;
