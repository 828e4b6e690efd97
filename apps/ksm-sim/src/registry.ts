import type {
  ChecksumPolicy,
  ContentIndexFactory,
  KsmProfile,
  ReclaimPolicy,
  ScanPolicy,
} from "@ksm/contracts";
import { PROFILES } from "@ksm/core";
import {
  createCrc32cChecksum,
  createJhash2Checksum,
  createNoChecksum,
  createXxhashChecksum,
} from "@ksm/policy-checksum";
import { avlIndex, hashIndex, rbtreeIndex, skiplistIndex } from "@ksm/policy-index";
import { clockReclaim, fifoReclaim, lruReclaim, randomReclaim } from "@ksm/policy-reclaim";
import { adaptiveScan, linearScan, randomScan, smartScan } from "@ksm/policy-scan";
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
}

interface Variant<T> {
  readonly name: string;
  readonly description: string;
  readonly make: () => T | Promise<T>;
}

const CHECKSUMS: readonly Variant<ChecksumPolicy>[] = [
  {
    name: "xxhash",
    description: "low 32 bits of XXH64(page, seed 0), Linux 5.0+",
    make: createXxhashChecksum,
  },
  {
    name: "jhash2",
    description: "jhash2(page, 1024 words, initval 17), Linux 2.6.32 to 4.20",
    make: createJhash2Checksum,
  },
  {
    name: "crc32c",
    description: "CRC-32C (Castagnoli) of the page; no kernel's, hardware-friendly",
    make: createCrc32cChecksum,
  },
  {
    name: "none",
    description: "no volatility filter: every page stable at its first visit",
    make: createNoChecksum,
  },
];

const TREES: readonly Variant<ContentIndexFactory>[] = [
  rbtreeIndex,
  avlIndex,
  skiplistIndex(),
  hashIndex,
].map((f) => ({ name: f.name, description: f.description, make: () => f }));

const SCANS: readonly Variant<ScanPolicy>[] = [
  {
    name: "linear",
    description: "every page every full scan (the kernel with smart_scan=0)",
    make: linearScan,
  },
  {
    name: "smart",
    description: "the kernel's smart scan: skip pages that keep failing (6.7+)",
    make: smartScan,
  },
  {
    name: "random",
    description: "mm list in a seeded random order at each full scan",
    make: () => randomScan(),
  },
  {
    name: "adaptive",
    description: "per-VMA scan intervals from observed merges and volatility (in the spirit of UKSM)",
    make: () => adaptiveScan(),
  },
];

const RECLAIMS: readonly Variant<ReclaimPolicy>[] = [
  {
    name: "lru",
    description: "active/inactive lists with referenced bits, as the kernel (default)",
    make: lruReclaim,
  },
  { name: "clock", description: "CLOCK second chance over frames in order", make: clockReclaim },
  { name: "fifo", description: "oldest allocation first, use ignored", make: fifoReclaim },
  { name: "random", description: "uniform victims from a seeded generator", make: () => randomReclaim() },
];

const AXES: Readonly<Record<string, readonly Variant<unknown>[]>> = {
  checksum: CHECKSUMS,
  tree: TREES,
  scan: SCANS,
  reclaim: RECLAIMS,
};

const line = ({ name, description }: { name: string; description: string }) => ({ name, description });

/** Every profile and policy variant the app knows. */
export function listPolicies(): PolicyListing {
  return {
    profiles: PROFILES.map(line),
    policies: Object.fromEntries(Object.entries(AXES).map(([axis, vs]) => [axis, vs.map(line)])),
  };
}

/** A bad profile or policy name: what was asked for and what exists. */
export class PolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PolicyError";
  }
}

const names = (xs: readonly { name: string }[]) => xs.map((x) => x.name).join(", ");

function pick<T>(axis: string, variants: readonly Variant<T>[], name: string): Variant<T> {
  const v = variants.find((x) => x.name === name);
  if (!v) throw new PolicyError(`unknown ${axis} policy "${name}"; expected one of ${names(variants)}`);
  return v;
}

/**
 * The kernel profile called `name` (default linux-6.18), e.g. to validate a scenario's knobs
 * against it; throws {@link PolicyError} naming the profiles otherwise.
 */
export function findProfile(name: string = PROFILES[0]!.name): KsmProfile {
  const profile = PROFILES.find((p) => p.name === name);
  if (!profile) throw new PolicyError(`unknown profile "${name}"; expected one of ${names(PROFILES)}`);
  return profile;
}

/**
 * Builds the simulation's pluggable parts from names: the profile (default linux-6.18), then
 * one variant per axis: the user's choice, else the profile's, else the default (xxhash,
 * rbtree, lru; for scan, none: the core's built-in scan, smart or linear as the smart_scan knob says).
 * Throws {@link PolicyError} naming the valid choices for an unknown profile, axis or variant.
 */
export async function buildSimulation(choice: PolicyChoice = {}): Promise<BuiltSimulation> {
  const profile = findProfile(choice.profile);
  for (const axis of Object.keys(choice.policies ?? {}))
    if (!Object.hasOwn(AXES, axis))
      throw new PolicyError(`unknown policy axis "${axis}"; expected one of ${Object.keys(AXES).join(", ")}`);
  const chosen: Record<string, string> = { ...profile.policies, ...choice.policies };
  const checksum = await pick("checksum", CHECKSUMS, chosen.checksum ?? "xxhash").make();
  const index = await pick("tree", TREES, chosen.tree ?? "rbtree").make();
  const scan = chosen.scan === undefined ? undefined : await pick("scan", SCANS, chosen.scan).make();
  const reclaim = await pick("reclaim", RECLAIMS, chosen.reclaim ?? "lru").make();
  return { checksum, index, profile, reclaim, ...(scan === undefined ? {} : { scan }) };
}
