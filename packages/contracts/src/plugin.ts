import type { ChecksumPolicy } from "./checksum.js";
import type { ContentIndexFactory } from "./content-index.js";
import { checkParamSpecs, ParamError, type ParamSpecs, type ParamValues } from "./params.js";
import type { KsmProfile } from "./profile.js";
import type { ReclaimPolicy } from "./reclaim.js";
import type { ScanPolicy } from "./scan.js";

/** What each policy axis's factories make: the contract the core (or reclaim) takes. */
export interface PolicyAxes {
  checksum: ChecksumPolicy;
  tree: ContentIndexFactory;
  scan: ScanPolicy;
  reclaim: ReclaimPolicy;
}

/** A policy axis, as the command line spells it (`--policy AXIS=NAME`). */
export type PolicyAxis = keyof PolicyAxes;

/** Every policy axis, in listing order. */
export const POLICY_AXES: readonly PolicyAxis[] = ["checksum", "tree", "scan", "reclaim"];

/**
 * Makes one policy variant. It describes itself (name, one line, typed parameters with
 * defaults and ranges) and `create` returns a fresh instance per simulation, which owns
 * all its state (per page, per VMA): two simulations never share one.
 */
export interface PolicyFactory<T, P extends ParamSpecs = ParamSpecs> {
  /** Name, as `--policy AXIS=NAME` spells it. */
  readonly name: string;
  /** One line for `ksm-sim policies`. */
  readonly description: string;
  /** The parameters `--policy AXIS=NAME:key=value,…` may set. */
  readonly params?: P;
  /** A fresh instance, from every parameter's value (defaults filled in and checked). */
  create(params: ParamValues<P>): T | Promise<T>;
}

/** The policy factories a plugin adds, per axis (the axis is the key). */
export type PluginPolicies = {
  readonly [A in PolicyAxis]?: readonly PolicyFactory<PolicyAxes[A]>[];
};

/**
 * A plugin: a module whose default export (or `plugin` export) adds policy variants and
 * kernel profiles. The built-in variants are plugins too (`@ksm/policy-checksum`, …).
 */
export interface KsmPlugin {
  /** Name, usually the npm package's. */
  readonly name: string;
  readonly policies: PluginPolicies;
  /** Kernel eras the plugin adds (`--profile NAME`). */
  readonly profiles?: readonly KsmProfile[];
}

/** A plugin that does not have the shape of a {@link KsmPlugin}; the message names the path. */
export class PluginError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PluginError";
  }
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null;

/**
 * Checks that `value` is a {@link KsmPlugin} (every factory with a name, description and
 * `create`, parameter defaults within their own ranges, profiles with a name) and returns it.
 * `where` names it in errors (a file, a package). Throws {@link PluginError} otherwise.
 */
export function checkPlugin(value: unknown, where = "plugin"): KsmPlugin {
  const fail = (path: string, what: string): never => {
    throw new PluginError(`${where}: ${path} ${what}`);
  };
  if (!isObject(value)) return fail("the plugin", "is not an object (export definePlugin({ … }))");
  if (typeof value.name !== "string" || value.name === "") fail("name", "must be a non-empty string");
  if (!isObject(value.policies))
    fail("policies", "must be an object of axes (checksum, tree, scan, reclaim)");
  for (const [axis, list] of Object.entries(value.policies as object)) {
    if (!(POLICY_AXES as readonly string[]).includes(axis))
      fail(`policies.${axis}`, `is not a policy axis; expected one of ${POLICY_AXES.join(", ")}`);
    if (!Array.isArray(list)) fail(`policies.${axis}`, "must be an array of factories");
    const seen = new Set<string>();
    for (const [i, f] of (list as unknown[]).entries()) {
      const path = `policies.${axis}[${i}]`;
      if (!isObject(f)) fail(path, "must be a factory { name, description, params?, create(params) }");
      const factory = f as Record<string, unknown>;
      if (typeof factory.name !== "string" || !/^[A-Za-z0-9][\w.-]*$/.test(factory.name))
        fail(`${path}.name`, "must be a name of letters, digits, . _ - (as --policy spells it)");
      if (seen.has(factory.name as string)) fail(`${path}.name`, `"${factory.name}" is defined twice`);
      seen.add(factory.name as string);
      if (typeof factory.description !== "string") fail(`${path}.description`, "must be a string");
      if (typeof factory.create !== "function") fail(`${path}.create`, "must be a function");
      if (factory.params !== undefined) {
        if (!isObject(factory.params)) fail(`${path}.params`, "must be an object of parameter specs");
        try {
          checkParamSpecs(factory.params as ParamSpecs, `${path}.params`);
        } catch (e) {
          if (e instanceof ParamError) throw new PluginError(`${where}: ${e.message}`);
          throw e;
        }
      }
    }
  }
  if (value.profiles !== undefined) {
    if (!Array.isArray(value.profiles)) fail("profiles", "must be an array of kernel profiles");
    for (const [i, p] of (value.profiles as unknown[]).entries())
      if (!isObject(p) || typeof p.name !== "string" || !isObject(p.knobs) || !isObject(p.behaviour))
        fail(`profiles[${i}]`, "must be a KsmProfile { name, description, policies, knobs, behaviour }");
  }
  return value as unknown as KsmPlugin;
}

/**
 * Defines a plugin (checked with {@link checkPlugin}); export it as the module's default.
 *
 * @example
 * export default definePlugin({ name: "my-checksums", policies: { checksum: [sampleChecksum] } });
 */
export function definePlugin(plugin: KsmPlugin): KsmPlugin {
  checkPlugin(plugin, `plugin ${(plugin as { name?: unknown })?.name ?? "(unnamed)"}`);
  return plugin;
}

/**
 * Defines one policy factory with its parameters' types inferred from their specs, so
 * `create` sees `{ seed: number }` for `params: { seed: { type: "integer", … } }`.
 */
export function definePolicy<T, const P extends ParamSpecs = Record<never, never>>(
  factory: PolicyFactory<T, P>,
): PolicyFactory<T, P> {
  return factory;
}
