import type { PolicyListing } from "@ksm/sim";
import { type CellResult, type CellSpec, cellKey, variantLabel } from "./cell.js";
import { configKeys } from "./config.js";
import type { CostModel } from "./cost-model.js";
import { runCells } from "./pool.js";
import { MATRIX_WORKLOADS, type WorkloadParams } from "./workloads/index.js";

/** The seeds of the default matrix. */
export const DEFAULT_SEEDS: readonly number[] = [1, 2, 3];

/** Which cells a matrix has. */
export interface MatrixPlan {
  /** Profiles (default: every profile listPolicies() knows). */
  readonly profiles?: readonly string[];
  /** Policy axes to vary (default: every axis). */
  readonly axes?: readonly string[];
  /**
   * false (default): the profile's defaults, then one axis at a time through each of its
   * variants with the other axes at default. true: every combination of the axes' variants.
   */
  readonly cross?: boolean;
  readonly workloads?: readonly string[];
  readonly seeds?: readonly number[];
  /** Parameter overrides per workload. */
  readonly params?: Readonly<Record<string, WorkloadParams>>;
  /** Plugin specs (ksm-sim's --plugin) every cell loads; the listing must include their variants. */
  readonly plugins?: readonly string[];
}

/**
 * The policy choices of a plan: `{}` is the profile's defaults. When the listing names a
 * profile's default variants (an optional `policies` field on its entry), choosing one of
 * them alone is the same run as `{}` and is left out.
 */
export function policyChoices(
  listing: PolicyListing,
  plan: MatrixPlan,
  profile?: string,
): Record<string, string>[] {
  const entry = listing.profiles.find((p) => p.name === profile) as
    | { policies?: Readonly<Record<string, string>> }
    | undefined;
  const defaults = entry?.policies ?? {};
  const axes = (plan.axes ?? Object.keys(listing.policies)).filter((a) => listing.policies[a]?.length);
  for (const a of plan.axes ?? [])
    if (!listing.policies[a])
      throw new RangeError(
        `unknown policy axis "${a}"; expected one of ${Object.keys(listing.policies).join(", ")}`,
      );
  const seen = new Set<string>();
  const out: Record<string, string>[] = [];
  // a choice equal to the profile's default on an axis is the same run as leaving it out
  const add = (choice: Record<string, string>) => {
    const c = Object.fromEntries(Object.entries(choice).filter(([a, v]) => defaults[a] !== v));
    const k = JSON.stringify(Object.entries(c).sort());
    if (!seen.has(k)) {
      seen.add(k);
      out.push(c);
    }
  };
  add({});
  if (plan.cross) {
    let combos: Record<string, string>[] = [{}];
    for (const a of axes)
      combos = combos.flatMap((c) => listing.policies[a]!.map((v) => ({ ...c, [a]: v.name })));
    combos.forEach(add);
  } else for (const a of axes) for (const v of listing.policies[a]!) add({ [a]: v.name });
  return out;
}

/** The cells of a plan, sorted by key. */
export function planMatrix(listing: PolicyListing, plan: MatrixPlan = {}): CellSpec[] {
  const profiles = plan.profiles ?? listing.profiles.map((p) => p.name);
  for (const p of profiles)
    if (!listing.profiles.some((x) => x.name === p))
      throw new RangeError(
        `unknown profile "${p}"; expected one of ${listing.profiles.map((x) => x.name).join(", ")}`,
      );
  const choices = new Map(profiles.map((p) => [p, policyChoices(listing, plan, p)]));
  const cells: CellSpec[] = [];
  for (const workload of plan.workloads ?? MATRIX_WORKLOADS)
    for (const seed of plan.seeds ?? DEFAULT_SEEDS)
      for (const profile of profiles)
        for (const policies of choices.get(profile)!) {
          const params = plan.params?.[workload];
          const plugins = plan.plugins?.length ? { plugins: plan.plugins } : {};
          cells.push({ workload, seed, profile, policies, ...(params ? { params } : {}), ...plugins });
        }
  return cells.sort((a, b) => (cellKey(a) < cellKey(b) ? -1 : cellKey(a) > cellKey(b) ? 1 : 0));
}

/** How to run a matrix. */
export interface MatrixRunOptions {
  /** Worker threads (default os.availableParallelism()); 0 runs in this thread. */
  readonly workers: number;
  readonly model: CostModel | null;
  /** Called as each distinct configuration finishes, with its first cell's result. */
  readonly onResult?: (r: CellResult) => void;
  readonly workerUrl?: URL;
  /** The cells' distinct runs, when the caller has grouped them already (distinctRuns). */
  readonly runs?: DistinctRuns;
}

/** The cells of a matrix by content: one run per distinct resolved configuration. */
export interface DistinctRuns {
  /** The content key of each cell (null: its configuration does not resolve). */
  readonly keys: readonly (string | null)[];
  /** The cells to run: the first of each key, and every cell without one. */
  readonly specs: readonly CellSpec[];
  /** The content key of each of `specs` (null: it runs alone). */
  readonly specKeys: readonly (string | null)[];
}

/** Groups cells by the content key of their resolved configuration (see configKeys). */
export async function distinctRuns(
  cells: readonly CellSpec[],
  model: CostModel | null,
): Promise<DistinctRuns> {
  const keys = await configKeys(cells, model);
  const seen = new Set<string>();
  const specs: CellSpec[] = [];
  const specKeys: (string | null)[] = [];
  cells.forEach((spec, i) => {
    const k = keys[i] ?? null;
    if (k !== null && seen.has(k)) return;
    if (k !== null) seen.add(k);
    specs.push(spec);
    specKeys.push(k);
  });
  return { keys, specs, specKeys };
}

/**
 * Every cell's result from the results of its distinct runs (`byKey`, by content key, or
 * `own` for a cell without one), under the cell's own key, spec and variant; sorted by key.
 */
export function fanOut(
  cells: readonly CellSpec[],
  runs: DistinctRuns,
  byKey: ReadonlyMap<string, CellResult>,
  own: ReadonlyMap<CellSpec, CellResult>,
): CellResult[] {
  const out = cells.map((spec, i) => {
    const k = runs.keys[i] ?? null;
    const r = k === null ? own.get(spec) : byKey.get(k);
    if (!r) throw new Error(`no result for cell ${cellKey(spec)}`);
    return { ...r, key: cellKey(spec), spec, variant: variantLabel(spec.policies), configKey: k };
  });
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/**
 * Runs the cells (in parallel on worker threads), each distinct resolved configuration once,
 * and returns every cell's result sorted by key.
 */
export async function runMatrix(cells: readonly CellSpec[], opts: MatrixRunOptions): Promise<CellResult[]> {
  const runs = opts.runs ?? (await distinctRuns(cells, opts.model));
  const results = await runCells(runs.specs, opts);
  const bySpec = new Map(runs.specs.map((s, i) => [s, results[i]!]));
  const byKey = new Map<string, CellResult>();
  runs.specKeys.forEach((k, i) => {
    if (k !== null) byKey.set(k, results[i]!);
  });
  return fanOut(cells, runs, byKey, bySpec);
}
