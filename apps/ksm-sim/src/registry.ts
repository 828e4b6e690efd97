import { createXxhashChecksum } from "@ksm/policy-checksum";
import { rbtreeIndex } from "@ksm/policy-index";
import type { SimulationOptions } from "./simulate.js";

/** The axes a researcher can swap, and the name of each variant (as the CLI spells them). */
export interface PolicyChoice {
  readonly profile?: string;
  readonly policies?: Readonly<Record<string, string>>;
}

/** One line per profile and variant, for `ksm-sim policies`. */
export interface PolicyListing {
  readonly profiles: readonly { name: string; description: string }[];
  readonly policies: Readonly<Record<string, readonly { name: string; description: string }[]>>;
}

const PROFILES = [{ name: "linux-6.18", description: "Linux 6.18 KSM, as the kernel on this project's machines" }];
const POLICIES: PolicyListing["policies"] = {
  checksum: [{ name: "xxhash", description: "low 32 bits of XXH64(page, seed 0), Linux 5.0+" }],
};

/** Every profile and policy variant the app knows. */
export function listPolicies(): PolicyListing {
  return { profiles: PROFILES, policies: POLICIES };
}

/** A bad profile or policy name: what was asked for and what exists. */
export class PolicyError extends Error {}

/**
 * Builds the simulation's pluggable parts from names: the profile (default linux-6.18) and
 * one variant per axis (each axis defaults to the profile's choice).
 */
export async function buildSimulation(choice: PolicyChoice = {}): Promise<SimulationOptions> {
  const profile = choice.profile ?? "linux-6.18";
  if (!PROFILES.some((p) => p.name === profile))
    throw new PolicyError(`unknown profile "${profile}"; expected one of ${PROFILES.map((p) => p.name).join(", ")}`);
  for (const [axis, name] of Object.entries(choice.policies ?? {})) {
    const variants = POLICIES[axis];
    if (!variants) throw new PolicyError(`unknown policy axis "${axis}"; expected one of ${Object.keys(POLICIES).join(", ")}`);
    if (!variants.some((v) => v.name === name))
      throw new PolicyError(`unknown ${axis} policy "${name}"; expected one of ${variants.map((v) => v.name).join(", ")}`);
  }
  return { checksum: await createXxhashChecksum(), index: rbtreeIndex };
}
