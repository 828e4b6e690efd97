import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { checkPlugin, type KsmPlugin, PluginError } from "@ksm/contracts";
import { PolicyError } from "./registry.js";

/** The file an export target resolves to: conditions `import`, `node`, `default`, in that order. */
function exportTarget(target: unknown): string | undefined {
  if (typeof target === "string") return target;
  if (Array.isArray(target)) return target.map(exportTarget).find((t) => t !== undefined);
  if (typeof target !== "object" || target === null) return undefined;
  const conditions = target as Record<string, unknown>;
  for (const c of ["import", "node", "default"]) {
    const t = exportTarget(conditions[c]);
    if (t !== undefined) return t;
  }
  return undefined;
}

/** The main module of the package in `dir`, from its package.json (`exports["."]`, `module`, `main`). */
function packageEntry(dir: string, where: string): string {
  const manifest = join(dir, "package.json");
  if (!existsSync(manifest)) return join(dir, "index.js");
  let pkg: { exports?: unknown; module?: unknown; main?: unknown };
  try {
    pkg = JSON.parse(readFileSync(manifest, "utf8"));
  } catch (e) {
    throw new PolicyError(`${where}: ${manifest} is not valid JSON: ${(e as Error).message}`);
  }
  const exp = pkg.exports;
  const root =
    typeof exp === "object" && exp !== null && !Array.isArray(exp) && Object.keys(exp)[0]?.startsWith(".")
      ? (exp as Record<string, unknown>)["."]
      : exp;
  const entry =
    exportTarget(root) ??
    (typeof pkg.module === "string" ? pkg.module : typeof pkg.main === "string" ? pkg.main : "index.js");
  return join(dir, entry);
}

/** `name`'s directory in the nearest node_modules from `base` up, or undefined. */
function findPackage(name: string, base: string): string | undefined {
  for (let dir = resolve(base); ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

const isPath = (spec: string) =>
  spec.startsWith(".") || isAbsolute(spec) || spec.startsWith("file:") || /\.[cm]?js$/.test(spec);

/**
 * Loads the plugin `spec`: a path (a module file or a package directory, relative to
 * `base`) or the name of a package installed in a node_modules at or above `base` (or beside
 * ksm-sim). The module's default export, or else its `plugin` export, must be a plugin
 * (`definePlugin`). `where` names the spec in errors (`--plugin X`, `$.plugins[0]`).
 * Throws {@link PolicyError} with one paragraph saying what is wrong.
 */
export async function loadPlugin(
  spec: string,
  base = process.cwd(),
  where = `--plugin ${spec}`,
): Promise<KsmPlugin> {
  let url: string;
  if (isPath(spec)) {
    const path = spec.startsWith("file:") ? new URL(spec).pathname : resolve(base, spec);
    if (!existsSync(path)) throw new PolicyError(`${where}: no such file or directory ${path}`);
    url = pathToFileURL(statSync(path).isDirectory() ? packageEntry(path, where) : path).href;
  } else {
    if (!/^(@[\w.-]+\/)?[\w.-]+$/.test(spec))
      throw new PolicyError(`${where}: "${spec}" is neither a path (./file.js) nor a package name`);
    const dir = findPackage(spec, base);
    url = dir ? pathToFileURL(packageEntry(dir, where)).href : spec;
  }
  let mod: Record<string, unknown>;
  try {
    mod = await import(url);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (url === spec && (err.code === "ERR_MODULE_NOT_FOUND" || err.code === "MODULE_NOT_FOUND"))
      throw new PolicyError(
        `${where}: no package "${spec}" in a node_modules of ${base} or above, nor beside ksm-sim; install it (npm install ${spec}) or give a path`,
      );
    throw new PolicyError(`${where}: loading ${url} failed: ${err.message?.split("\n")[0] ?? err}`);
  }
  const candidate =
    typeof mod.default === "object" && mod.default !== null && "policies" in mod.default
      ? mod.default
      : mod.plugin;
  try {
    return checkPlugin(candidate ?? mod.default, where);
  } catch (e) {
    if (e instanceof PluginError) throw new PolicyError(e.message);
    throw e;
  }
}

/** Loads several plugins in order ({@link loadPlugin}); the same module twice is loaded once. */
export async function loadPlugins(specs: readonly string[], base = process.cwd()): Promise<KsmPlugin[]> {
  const out: KsmPlugin[] = [];
  for (const spec of specs) {
    const p = await loadPlugin(spec, base);
    if (!out.includes(p)) out.push(p);
  }
  return out;
}
