import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

// The public path: pack this plugin and @ksm/contracts as npm would publish them, install the
// tarballs into a directory outside the workspace, and load the plugin there by its package
// name through the built ksm-sim CLI.
const ROOT = resolve(import.meta.dirname, "../../../..");
const CLI = join(ROOT, "apps/ksm-sim/dist/cli.js");
const BENCH = join(ROOT, "apps/bench/dist/cli.js");
const built = [CLI, BENCH, join(ROOT, "packages/contracts/dist/index.js")].every((f) => existsSync(f));
const dir = mkdtempSync(join(tmpdir(), "ksm-plugin-install-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (cmd: string, args: string[], cwd: string) =>
  execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

describe.skipIf(!built)(
  `the packed plugin, installed outside the workspace${built ? "" : " (skipped: run pnpm build first, the test uses apps/ksm-sim/dist and apps/bench/dist)"}`,
  () => {
    it("packs, installs with npm and runs through ksm-sim --plugin PACKAGE", () => {
      // packed from the dist `pnpm build` made: prepack's rebuild (tsup --clean) would pull
      // dist from under tests running beside this one
      const pack = ["pack", "--pack-destination", dir, "--config.ignore-scripts=true"];
      run("pnpm", pack, resolve(import.meta.dirname, ".."));
      run("pnpm", pack, join(ROOT, "packages/contracts"));
      const tarballs = readdirSync(dir).filter((f) => f.endsWith(".tgz"));
      expect(tarballs.sort()).toEqual(["ksm-contracts-0.0.0.tgz", "ksm-example-sampled-checksum-0.0.0.tgz"]);
      writeFileSync(join(dir, "package.json"), JSON.stringify({ private: true }));
      run("npm", ["install", "--offline", "--no-audit", "--no-fund", ...tarballs.map((t) => `./${t}`)], dir);

      const listing = run("node", [CLI, "policies", "--plugin", "@ksm/example-sampled-checksum"], dir);
      expect(listing).toMatch(/sampled .*\[@ksm\/example-sampled-checksum\]/);
      const out = run(
        "node",
        [
          CLI,
          "run",
          join(ROOT, "examples/two-vms.json"),
          "--jsonl",
          "--plugin",
          "@ksm/example-sampled-checksum",
          "--policy",
          "checksum=sampled:bytes=128",
        ],
        dir,
      );
      const last = JSON.parse(out.trim().split("\n").at(-1)!);
      expect(last.counters.pages_sharing).toBe(1020);
      expect(last.cost.checksums).toBeGreaterThan(0);
    });

    it("runs in a bench matrix by --plugin PACKAGE, on a worker thread", () => {
      const out = join(dir, "matrix");
      const args = ["matrix", "--plugin", "@ksm/example-sampled-checksum", "--workloads", "zero-heavy"];
      const small = ["--param", "pages=64", "--param", "scans=2", "--seeds", "1", "--profiles", "linux-6.18"];
      run("node", [BENCH, ...args, ...small, "--axes", "checksum", "--workers", "1", "--out", out], dir);
      const { cells } = JSON.parse(readFileSync(join(out, "results.json"), "utf8"));
      const sampled = (cells as { variant: string; error: string | null; estKsmdSeconds: number }[]).find(
        (c) => c.variant === "checksum=sampled",
      );
      expect(sampled?.error).toBeNull();
      expect(sampled?.estKsmdSeconds).toBeGreaterThan(0);
    });

    it("refuses a bad parameter from the installed plugin with exit code 2", () => {
      let status = 0;
      let stderr = "";
      try {
        run(
          "node",
          [
            CLI,
            "run",
            join(ROOT, "examples/two-vms.json"),
            "--plugin",
            "@ksm/example-sampled-checksum",
            "--policy",
            "checksum=sampled:bytes=6",
          ],
          dir,
        );
      } catch (e) {
        ({ status, stderr } = e as { status: number; stderr: string });
      }
      expect(status).toBe(2);
      expect(stderr).toMatch(/bytes must be a multiple of 4/);
      expect(stderr).not.toMatch(/\n\s+at /);
    });
  },
);
