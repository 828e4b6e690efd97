import { createHash } from "node:crypto";
import type { Scenario } from "@ksm/scenario";
import { buildSimulation, findProfile, loadPlugins } from "@ksm/sim";
import { type CellSpec, cellScenario } from "./cell.js";
import type { CostModel } from "./cost-model.js";

/**
 * What a cell actually runs: its scenario and the policy each axis resolves to on its profile
 * (the user's choice, else the profile's, else the app's default, as `buildSimulation` picks
 * them). The reclaim policy counts only when the scenario has a `pressure` step, the one step
 * that chooses victims with it (`SimulationOptions.reclaim`).
 */
export interface ResolvedConfig {
  readonly scenario: Scenario;
  /** The plugins the cell loads (their variants may share names with others'). */
  readonly plugins: readonly string[];
  readonly profile: string;
  readonly checksum: string;
  readonly tree: string;
  /** null: the core's built-in, knob-driven scan. */
  readonly scan: string | null;
  /** null: the scenario never reclaims, so the policy cannot matter. */
  readonly reclaim: string | null;
}

/** The resolved configuration of a cell; throws what `cellScenario` or `buildSimulation` throw. */
export async function resolveConfig(spec: CellSpec, scenario?: Scenario): Promise<ResolvedConfig> {
  const plugins = await loadPlugins(spec.plugins ?? []);
  const sim = await buildSimulation({ profile: spec.profile, policies: spec.policies, plugins });
  const run = scenario ?? cellScenario(spec, findProfile(spec.profile, plugins)).scenario;
  return {
    scenario: run,
    plugins: spec.plugins ?? [],
    profile: sim.profile.name,
    checksum: sim.checksum.name,
    tree: sim.index.name,
    scan: sim.scan?.name ?? null,
    reclaim: run.steps.some((s) => s.op === "pressure") ? sim.reclaim.name : null,
  };
}

/**
 * The content key of a run: SHA-256 (hex, 32 digits) of the resolved configuration and the
 * cost model, so cells that would run the same simulation and estimate share one key.
 */
export function configKey(config: ResolvedConfig, model: CostModel | null): string {
  return createHash("sha256")
    .update(JSON.stringify([config, model]))
    .digest("hex")
    .slice(0, 32);
}

/**
 * The content key of every cell (null for a cell whose configuration does not resolve: it
 * runs on its own and reports its error). Scenarios are generated once per workload,
 * parameters and seed.
 */
export async function configKeys(
  specs: readonly CellSpec[],
  model: CostModel | null,
): Promise<(string | null)[]> {
  const scenarios = new Map<string, Scenario | null>();
  const out: (string | null)[] = [];
  for (const spec of specs) {
    const k = JSON.stringify([spec.workload, spec.params ?? {}, spec.seed]);
    if (!scenarios.has(k))
      try {
        scenarios.set(k, cellScenario(spec).scenario);
      } catch {
        scenarios.set(k, null);
      }
    const scenario = scenarios.get(k);
    try {
      out.push(scenario ? configKey(await resolveConfig(spec, scenario), model) : null);
    } catch {
      out.push(null);
    }
  }
  return out;
}
