import type { Scenario } from "@ksm/scenario";

/** Numeric workload parameters, by name. */
export type WorkloadParams = Readonly<Record<string, number>>;

/**
 * A workload generator: a scenario (format v1, so it also runs on the kernel oracle) from
 * parameters and a seed. Equal parameters and seed give an equal scenario, byte for byte.
 * Timeline workloads report after every full scan (`scans` of them).
 */
export interface Workload {
  /** Name, as the CLI spells it. */
  readonly name: string;
  /** One line. */
  readonly description: string;
  /** Every parameter with its default. */
  readonly defaults: WorkloadParams;
  /** One line per parameter. */
  readonly docs: Readonly<Record<string, string>>;
  /** The scenario for these parameters (defaults filled in) and seed. */
  generate(params: WorkloadParams, seed: number): Scenario;
}

/** `defaults` overridden by `given`; unknown names are an error naming the known ones. */
export function resolveParams(
  w: Pick<Workload, "name" | "defaults">,
  given: WorkloadParams = {},
): WorkloadParams {
  for (const k of Object.keys(given))
    if (!Object.hasOwn(w.defaults, k))
      throw new RangeError(
        `workload ${w.name} has no parameter "${k}" (known: ${Object.keys(w.defaults).join(", ")})`,
      );
  return { ...w.defaults, ...given };
}

/** An integer parameter, checked. */
export function intParam(p: WorkloadParams, name: string, min: number): number {
  const v = p[name];
  if (v === undefined || !Number.isInteger(v) || v < min)
    throw new RangeError(`parameter ${name} must be an integer >= ${min}, got ${v}`);
  return v;
}

/** A fraction parameter in [0, 1], checked. */
export function fracParam(p: WorkloadParams, name: string): number {
  const v = p[name];
  if (v === undefined || !(v >= 0 && v <= 1))
    throw new RangeError(`parameter ${name} must be in [0, 1], got ${v}`);
  return v;
}
