import {
  type ChecksumPolicy,
  type ContentIndexFactory,
  definePlugin,
  formatPolicySpec,
  type KsmPlugin,
  type KsmProfile,
  ParamError,
  type ParamSpecs,
  POLICY_AXES,
  type PolicyAxes,
  type PolicyAxis,
  type PolicyFactory,
  parsePolicySpec,
  type ReclaimPolicy,
  resolveParams,
  type ScanPolicy,
} from "@ksm/contracts";
import { PROFILES } from "@ksm/core";
import checksumPlugin from "@ksm/policy-checksum";
import indexPlugin from "@ksm/policy-index";
import reclaimPlugin from "@ksm/policy-reclaim";
import scanPlugin from "@ksm/policy-scan";
import type { SimulationOptions } from "./simulate.js";

/** The kernel profiles of `@ksm/core`, as a plugin that adds no policy. */
const kernelProfiles = definePlugin({ name: "@ksm/core", policies: {}, profiles: PROFILES });

/** The plugins every registry starts from: the core's profiles and the four policy packages. */
export const BUILTIN_PLUGINS: readonly KsmPlugin[] = [
  kernelProfiles,
  checksumPlugin,
  indexPlugin,
  scanPlugin,
  reclaimPlugin,
];

/** The profile and the variant per axis to build, and the plugins to take them from. */
export interface PolicyChoice {
  readonly profile?: string;
  /** Per axis, `NAME` or `NAME:key=value,…` (parameters of the variant). */
  readonly policies?: Readonly<Record<string, string>>;
  /** Plugins besides {@link BUILTIN_PLUGINS} (see `loadPlugins`). */
  readonly plugins?: readonly KsmPlugin[];
}

/** One variant as `ksm-sim policies` lists it. */
export interface VariantListing {
  readonly name: string;
  readonly description: string;
  /** The plugin that defines it. */
  readonly plugin?: string;
  /** Its parameters (none when absent). */
  readonly params?: ParamSpecs;
}

/** One profile as `ksm-sim policies` lists it. */
export interface ProfileListing {
  readonly name: string;
  readonly description: string;
  /** The plugin that defines it. */
  readonly plugin?: string;
  /** Its default variant per axis. */
  readonly policies?: Readonly<Record<string, string>>;
}

/** One line per profile and variant, for `ksm-sim policies`. */
export interface PolicyListing {
  readonly profiles: readonly ProfileListing[];
  readonly policies: Readonly<Record<string, readonly VariantListing[]>>;
}

/**
 * What {@link buildSimulation} returns: the parts to hand to the core. `scan` is absent when
 * no scan policy was chosen (the core then runs the kernel's own, knob-driven scan).
 */
export interface BuiltSimulation extends SimulationOptions {
  readonly checksum: ChecksumPolicy;
  readonly index: ContentIndexFactory;
  readonly scan?: ScanPolicy;
  readonly profile: KsmProfile;
  readonly reclaim: ReclaimPolicy;
  /** The variant of each axis in canonical spelling, every parameter given (`tree=skiplist:seed=1`). */
  readonly resolved: Readonly<Record<string, string>>;
}

/** A bad profile, policy, parameter or plugin: what was asked for and what exists. */
export class PolicyError extends Error {
  constructor(
    message: string,
    /** The axis whose choice was bad, when one was. */
    readonly axis?: string,
  ) {
    super(message);
    this.name = "PolicyError";
  }
}

interface Entry<T> {
  readonly plugin: string;
  readonly name: string;
  readonly factory: T;
}

/** The profiles and factories of these plugins (built-in first); names must not clash. */
function entries(plugins: readonly KsmPlugin[] = []) {
  const all = [...BUILTIN_PLUGINS, ...plugins.filter((p) => !BUILTIN_PLUGINS.includes(p))];
  const profiles: Entry<KsmProfile>[] = [];
  const axes = Object.fromEntries(POLICY_AXES.map((a) => [a, [] as Entry<PolicyFactory<unknown>>[]])) as {
    [A in PolicyAxis]: Entry<PolicyFactory<PolicyAxes[A]>>[];
  };
  const add = <T>(list: Entry<T>[], what: string, plugin: string, name: string, factory: T) => {
    const clash = list.find((e) => e.name === name);
    if (clash && clash.factory !== factory)
      throw new PolicyError(
        `plugin ${plugin} defines ${what} "${name}", which plugin ${clash.plugin} defines too`,
      );
    if (!clash) list.push({ plugin, name, factory });
  };
  for (const p of all) {
    for (const profile of p.profiles ?? []) add(profiles, "the profile", p.name, profile.name, profile);
    for (const axis of POLICY_AXES)
      for (const f of p.policies[axis] ?? [])
        add(axes[axis] as Entry<PolicyFactory<unknown>>[], `the ${axis} policy`, p.name, f.name, f);
  }
  return { profiles, axes };
}

/** Every profile and policy variant of the built-in plugins and `plugins`. */
export function listPolicies(plugins: readonly KsmPlugin[] = []): PolicyListing {
  const { profiles, axes } = entries(plugins);
  return {
    profiles: profiles.map((e) => ({
      name: e.name,
      description: e.factory.description,
      plugin: e.plugin,
      policies: e.factory.policies,
    })),
    policies: Object.fromEntries(
      POLICY_AXES.map((axis) => [
        axis,
        axes[axis].map((e) => ({
          name: e.name,
          description: e.factory.description,
          plugin: e.plugin,
          params: e.factory.params ?? {},
        })),
      ]),
    ),
  };
}

const names = (xs: readonly { name: string }[]) => xs.map((x) => x.name).join(", ");

/**
 * The kernel profile called `name` (default linux-6.18) among the built-in and `plugins`'
 * profiles; throws {@link PolicyError} naming the profiles otherwise.
 */
export function findProfile(
  name: string = PROFILES[0]!.name,
  plugins: readonly KsmPlugin[] = [],
): KsmProfile {
  const { profiles } = entries(plugins);
  const profile = profiles.find((p) => p.name === name);
  if (!profile) throw new PolicyError(`unknown profile "${name}"; expected one of ${names(profiles)}`);
  return profile.factory;
}

/**
 * Builds the simulation's pluggable parts: the profile (default linux-6.18), then one
 * variant per axis: the user's choice, else the profile's, else the default (xxhash,
 * rbtree, lru; for scan, none: the core's built-in scan, smart or linear as the smart_scan
 * knob says), each created with its parameters (`NAME:key=value,…`, the rest at their
 * defaults). Throws {@link PolicyError} naming the valid choices for an unknown profile,
 * axis, variant or parameter, or a bad value.
 */
export async function buildSimulation(choice: PolicyChoice = {}): Promise<BuiltSimulation> {
  const { axes } = entries(choice.plugins);
  const profile = findProfile(choice.profile, choice.plugins);
  for (const axis of Object.keys(choice.policies ?? {}))
    if (!(POLICY_AXES as readonly string[]).includes(axis))
      throw new PolicyError(`unknown policy axis "${axis}"; expected one of ${POLICY_AXES.join(", ")}`, axis);
  const chosen: Record<string, string | undefined> = { ...profile.policies, ...choice.policies };
  const resolved: Record<string, string> = {};
  const make = async <A extends PolicyAxis>(axis: A, fallback: string): Promise<PolicyAxes[A]> => {
    const text = chosen[axis] ?? fallback;
    let spec: ReturnType<typeof parsePolicySpec>;
    let values: ReturnType<typeof resolveParams>;
    const list = axes[axis] as Entry<PolicyFactory<PolicyAxes[A]>>[];
    let entry: Entry<PolicyFactory<PolicyAxes[A]>> | undefined;
    try {
      spec = parsePolicySpec(text);
      entry = list.find((e) => e.name === spec.name);
      if (!entry)
        throw new PolicyError(`unknown ${axis} policy "${spec.name}"; expected one of ${names(list)}`, axis);
      values = resolveParams(`${axis}=${spec.name}`, entry.factory.params, spec.params);
    } catch (e) {
      if (e instanceof ParamError) throw new PolicyError(e.message, axis);
      throw e;
    }
    resolved[axis] = formatPolicySpec(spec.name, values);
    try {
      return await entry.factory.create(values);
    } catch (e) {
      // a constraint the parameter specs cannot express (a multiple of 4, two that must agree)
      if (e instanceof RangeError || e instanceof ParamError)
        throw new PolicyError(
          `${axis}=${spec.name} (plugin ${entry.plugin}) refused ${resolved[axis]}: ${e.message}`,
          axis,
        );
      throw e;
    }
  };
  const checksum = await make("checksum", "xxhash");
  const index = await make("tree", "rbtree");
  const scan = chosen.scan === undefined ? undefined : await make("scan", "");
  const reclaim = await make("reclaim", "lru");
  return { checksum, index, profile, reclaim, resolved, ...(scan === undefined ? {} : { scan }) };
}
