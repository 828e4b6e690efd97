import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { format } from "node:util";
import { afterAll, describe, expect, it, vi } from "vitest";

// Every ```ts block of a README (and of docs/) runs here, unless the line before its fence
// says `<!-- not run: WHY -->` (a fragment). A `console.log(…); // VALUE` line must print
// VALUE: the comment up to its first ": ", " (" or " —"; alternatives separated by ", " for
// a log inside a loop. A comment that is not a literal (`[parent.id, child.id]`) is not compared.
// Of the ```sh blocks, the `pnpm -s ksm-sim …` commands run (through the built CLI); the
// others set up the repository (CI runs them: .ci/run), benchmark for minutes, or need root
// and the live kernel, and are left to people.
const ROOT = resolve(import.meta.dirname, "../../..");
const FILES = [
  "packages/contracts/README.md",
  "packages/core/README.md",
  "packages/mm/README.md",
  "packages/rmap/README.md",
  "packages/scenario/README.md",
  "packages/sim/README.md",
  "packages/swap/README.md",
  "packages/policy-checksum/README.md",
  "packages/policy-index/README.md",
  "packages/policy-scan/README.md",
  "packages/policy-reclaim/README.md",
  "apps/ksm-sim/README.md",
  "apps/bench/README.md",
  "examples/plugins/sampled-checksum/README.md",
  "docs/plugins.md",
  "README.md",
  "CONTRIBUTING.md",
];
// inside apps/ksm-sim, so the blocks' imports resolve as this package's do
const dir = mkdtempSync(join(import.meta.dirname, ".readme-blocks-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Block {
  readonly file: string;
  readonly line: number;
  readonly code: string;
  readonly skip: string | null;
}

function blocks(file: string): Block[] {
  const lines = readFileSync(join(ROOT, file), "utf8").split("\n");
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== "```ts") continue;
    let end = i + 1;
    while (lines[end] !== "```") end++;
    let prev = i - 1;
    while (prev >= 0 && lines[prev]!.trim() === "") prev--;
    const skip = /^<!-- not run: (.+) -->$/.exec(lines[prev] ?? "")?.[1] ?? null;
    out.push({ file, line: i + 1, code: lines.slice(i + 1, end).join("\n"), skip });
    i = end;
  }
  return out;
}

const LITERAL = /^[-\w.]+( [-\w.]+)*$/;
const all = FILES.flatMap(blocks);

describe("README code blocks", () => {
  it("finds the blocks, and every fragment says why it is not run", () => {
    expect(all.length).toBeGreaterThanOrEqual(12);
    for (const b of all.filter((x) => x.skip)) expect(b.skip!.length).toBeGreaterThan(10);
  });

  it.each(all.filter((b) => !b.skip).map((b) => [`${b.file}:${b.line}`, b] as const))(
    "%s runs and prints what it says",
    async (_, b) => {
      const expected = new Map<number, string[]>();
      const code = b.code
        .split("\n")
        .map((l, k) => {
          const m = /console\.log\(.*\); \/\/ (.*)$/.exec(l);
          if (m) {
            const value = m[1]!.split(/: | \(| —/)[0]!.trim();
            const alternatives = value.split(", ");
            if (alternatives.every((a) => LITERAL.test(a))) expected.set(k, alternatives);
          }
          return l.replace(/console\.log\(/g, `__log(${k}, `);
        })
        .join("\n");
      const printed: [number, string][] = [];
      (globalThis as { __log?: unknown }).__log = (k: number, ...args: unknown[]) =>
        printed.push([k, format(...args)]);
      const path = join(dir, `${relative(ROOT, b.file).replace(/[/.]/g, "_")}_${b.line}.ts`);
      writeFileSync(path, code);
      const log = vi.spyOn(console, "log").mockImplementation(() => {});
      try {
        await import(path);
      } finally {
        log.mockRestore();
      }
      expect(printed.length).toBeGreaterThan(0);
      for (const [k, text] of printed) if (expected.has(k)) expect(expected.get(k)).toContain(text);
    },
  );

  const CLI = join(ROOT, "apps/ksm-sim/dist/cli.js");
  const commands = FILES.flatMap((file) => {
    const text = readFileSync(join(ROOT, file), "utf8");
    const sh = [...text.matchAll(/^```sh\n([\s\S]*?)^```/gm)].flatMap((m) => m[1]!.split("\n"));
    return sh.filter((l) => l.startsWith("pnpm -s ksm-sim ")).map((l) => [file, l] as const);
  });
  it.skipIf(!existsSync(CLI))(
    `runs every "pnpm -s ksm-sim" command of a sh block${existsSync(CLI) ? "" : " (skipped: pnpm build first, it uses dist/cli.js)"}`,
    () => {
      expect(commands.length).toBeGreaterThan(0);
      for (const [file, line] of commands) {
        const args = line.slice("pnpm -s ksm-sim ".length).split(/ +/);
        const r = spawnSync("node", [CLI, ...args], { cwd: ROOT, encoding: "utf8" });
        expect({ file, line, status: r.status, stderr: r.stderr }).toEqual({
          file,
          line,
          status: 0,
          stderr: "",
        });
      }
    },
  );

  it("the root README's layout table lists every workspace package and app", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const globs = readFileSync(join(ROOT, "pnpm-workspace.yaml"), "utf8").matchAll(/^ {2}- "(.+)\/\*"$/gm);
    const dirs = [...globs].flatMap(([, base]) =>
      readdirSync(join(ROOT, base!))
        .filter((d) => existsSync(join(ROOT, base!, d, "package.json")))
        .map((d) => `${base}/${d}`),
    );
    expect(dirs.length).toBeGreaterThanOrEqual(13);
    for (const d of dirs) {
      const name = JSON.parse(readFileSync(join(ROOT, d, "package.json"), "utf8")).name;
      expect(readme).toMatch(new RegExp(`^\\| \`${d}\` +\\| \`${name}\` +\\|`, "m"));
    }
  });
});
