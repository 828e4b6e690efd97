// Every public workspace package is ready to publish: the fields npm and its readers need,
// its LICENSE shipped, types first in every export, a build before packing.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..");
const dirs = ["packages", "apps", "examples/plugins"].flatMap((parent) =>
  readdirSync(join(ROOT, parent), { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(ROOT, parent, e.name, "package.json")))
    .map((e) => `${parent}/${e.name}`),
);
const manifests = dirs.map((dir) => ({
  dir,
  pkg: JSON.parse(readFileSync(join(ROOT, dir, "package.json"), "utf8")),
}));

/** Every export condition object whose first key is not "types". */
function typesNotFirst(exports: unknown, path = "exports"): string[] {
  if (typeof exports !== "object" || exports === null) return [];
  const keys = Object.keys(exports);
  const here = keys.some((k) => !k.startsWith(".")) && keys[0] !== "types" && keys.includes("types");
  const nested = Object.entries(exports).flatMap(([k, v]) => typesNotFirst(v, `${path}.${k}`));
  return here ? [path, ...nested] : nested;
}

describe("package manifests", () => {
  it("finds the workspace's packages", () => {
    expect(dirs).toContain("packages/capture");
    expect(dirs).toContain("apps/ksm-sim");
  });

  for (const { dir, pkg } of manifests.filter((m) => !m.pkg.private)) {
    it(`${pkg.name} (${dir}) is ready to publish`, () => {
      expect(pkg.license).toBe("MIT");
      expect(existsSync(join(ROOT, dir, "LICENSE"))).toBe(true);
      expect(pkg.files).toContain("LICENSE");
      expect(pkg.repository?.directory).toBe(dir);
      expect(pkg.repository?.url).toMatch(/^git\+https:\/\//);
      expect(pkg.homepage).toContain(dir);
      expect(pkg.bugs?.url).toMatch(/^https:\/\//);
      expect(pkg.keywords?.length).toBeGreaterThan(0);
      expect(pkg.engines?.node).toMatch(/^>=20/);
      expect(pkg.type).toBe("module");
      expect(pkg.sideEffects).toBe(false);
      expect(pkg.scripts?.prepack).toBeTruthy();
      expect(pkg.publishConfig?.access).toBe("public");
      expect(typesNotFirst(pkg.exports)).toEqual([]);
      expect(typesNotFirst(pkg.publishConfig?.exports)).toEqual([]);
    });
  }
});
