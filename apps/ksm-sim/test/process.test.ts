import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

// The CLIs as processes (from dist: pnpm build first): pipes, stdin, --version, no escapes.
const ROOT = resolve(import.meta.dirname, "../../..");
const CLI = join(ROOT, "apps/ksm-sim/dist/cli.js");
const BENCH = join(ROOT, "apps/bench/dist/cli.js");
const built = existsSync(CLI) && existsSync(BENCH);
const TWO_VMS = join(ROOT, "examples/two-vms.json");

/** A scenario with many reports: far more output than a pipe buffers. */
function chatty(): string {
  const file = join(mkdtempSync(join(tmpdir(), "ksm-sim-pipe-")), "many.json");
  const steps = Array.from({ length: 3000 }, (_, i) => ({ op: "report", label: `r${i}` }));
  writeFileSync(
    file,
    JSON.stringify({ processes: [{ name: "p", regions: [{ name: "r", pages: 4 }] }], steps }),
  );
  return file;
}

describe.skipIf(!built)(
  `the ksm-sim and ksm-bench processes${built ? "" : " (skipped: run pnpm build first, these run dist/cli.js)"}`,
  () => {
    it("exits quietly, code 0, when the reader closes the pipe (| head)", () => {
      const r = spawnSync(
        "bash",
        ["-c", `node ${CLI} run ${chatty()} | head -n 2; echo "status \${PIPESTATUS[0]}" >&2`],
        {
          encoding: "utf8",
        },
      );
      expect(r.stdout.split("\n").length).toBe(3);
      expect(r.stderr).toBe("status 0\n");
    });

    it("reads the scenario from standard input with -", () => {
      const r = spawnSync("node", [CLI, "run", "-", "--jsonl"], {
        input: readFileSync(TWO_VMS),
        encoding: "utf8",
      });
      expect(r.status).toBe(0);
      expect(JSON.parse(r.stdout.trim()).counters.pages_sharing).toBe(1020);
      const bad = spawnSync("node", [CLI, "run", "-"], { input: "{ nope", encoding: "utf8" });
      expect(bad.status).toBe(2);
      expect(bad.stderr).toMatch(/^ksm-sim: - is not valid JSON/);
    });

    it("prints the package version with --version", () => {
      const version = JSON.parse(readFileSync(join(ROOT, "apps/ksm-sim/package.json"), "utf8")).version;
      expect(spawnSync("node", [CLI, "--version"], { encoding: "utf8" }).stdout).toBe(`ksm-sim ${version}\n`);
      const bench = JSON.parse(readFileSync(join(ROOT, "apps/bench/package.json"), "utf8")).version;
      expect(spawnSync("node", [BENCH, "--version"], { encoding: "utf8" }).stdout).toBe(
        `ksm-bench ${bench}\n`,
      );
    });

    it("writes no ANSI escapes when output is not a terminal, or NO_COLOR is set", () => {
      for (const env of [process.env, { ...process.env, NO_COLOR: "1" }]) {
        const r = spawnSync("node", [CLI, "run", TWO_VMS], { encoding: "utf8", env });
        expect(r.stdout).toContain("pages_sharing");
        expect(r.stdout + r.stderr).not.toContain("\u001b[");
      }
    });

    it("points --help at the scenario format spec", () => {
      const help = spawnSync("node", [CLI, "--help"], { encoding: "utf8" }).stdout;
      expect(help).toContain("packages/scenario/README.md");
      expect(existsSync(join(ROOT, "packages/scenario/README.md"))).toBe(true);
    });
  },
);
