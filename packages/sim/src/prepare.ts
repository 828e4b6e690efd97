import type { KsmProfile } from "@ksm/contracts";
import { isKnobName, KNOB_RULES } from "@ksm/core";
import { parseScenario, type Scenario } from "@ksm/scenario";
import { validateKnob } from "./simulate.js";

/** A scenario validated for one profile, with the knob settings that profile lacks taken out. */
export interface PreparedScenario {
  readonly scenario: Scenario;
  /** Knobs the scenario sets that the profile's kernel does not have, sorted. */
  readonly ignoredKnobs: readonly string[];
  /** The JSON path of each setting taken out (`$.knobs.smart_scan`, `$.steps[4]`). */
  readonly ignoredAt: readonly string[];
  /** The index in the file of step `i` of `scenario.steps` (steps were taken out). */
  readonly stepInFile: (i: number) => number;
}

/**
 * Validates a scenario's JSON for `profile` (the kernel's knob rules; a numeric knob takes a
 * JSON number, not a string), and takes out every setting of a knob the profile's kernel
 * does not have (`smart_scan` on linux-2.6.32), in `knobs` and in `knob` steps, so that the
 * same scenario runs on every era. Throws `ScenarioError` for anything else that is wrong.
 */
export function prepareScenario(json: unknown, profile: KsmProfile): PreparedScenario {
  const lacking = new Set<string>();
  const parsed = parseScenario(json, (name, value) => {
    if (!isKnobName(name)) return validateKnob(name, value, profile);
    if (KNOB_RULES[name].parse !== "mode" && typeof value === "string")
      return `a JSON number for ${name}, not a string`;
    if (profile.knobs[name] === null) {
      lacking.add(name);
      return null;
    }
    return validateKnob(name, value, profile);
  });
  if (lacking.size === 0) return { scenario: parsed, ignoredKnobs: [], ignoredAt: [], stepInFile: (i) => i };
  const ignoredAt = Object.keys(parsed.knobs)
    .filter((k) => lacking.has(k))
    .map((k) => `$.knobs.${k}`);
  const kept: number[] = [];
  for (const [i, step] of parsed.steps.entries())
    if (step.op === "knob" && lacking.has(step.name)) ignoredAt.push(`$.steps[${i}]`);
    else kept.push(i);
  const scenario: Scenario = {
    ...parsed,
    knobs: Object.fromEntries(Object.entries(parsed.knobs).filter(([k]) => !lacking.has(k))),
    steps: kept.map((i) => parsed.steps[i]!),
  };
  return { scenario, ignoredKnobs: [...lacking].sort(), ignoredAt, stepInFile: (i) => kept[i] ?? i };
}

/** The one line that says which knobs a run ignores: names only, never their values. */
export function ignoredKnobsNote(profile: KsmProfile, prepared: PreparedScenario): string | null {
  if (prepared.ignoredKnobs.length === 0) return null;
  const n = prepared.ignoredKnobs.length;
  return `${profile.name} has no ${prepared.ignoredKnobs.join(", ")} knob${n === 1 ? "" : "s"}; ignored the scenario's setting${prepared.ignoredAt.length === 1 ? "" : "s"} at ${prepared.ignoredAt.join(", ")}`;
}
