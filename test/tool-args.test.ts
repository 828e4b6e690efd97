import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

// The kernel-facing tools read their command line before they touch anything (the lock,
// /sys/kernel/mm/ksm, a build), so these run on any machine.
const ROOT = resolve(import.meta.dirname, "..");
const LIVE = join(ROOT, "tools/live-check/live-check.mjs");
const PACE = join(ROOT, "tools/live-check/ksmd-pace.mjs");
const REPLAY = join(ROOT, "tools/capture-oracle/replay-check.mjs");

function tool(script: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [script, ...args], { encoding: "utf8", timeout: 20_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("the kernel tools' command lines", () => {
  it.each([LIVE, PACE, REPLAY])("%s: --help prints the usage and exits 0", (script) => {
    for (const help of ["--help", "-h"]) {
      const r = tool(script, "--json", help);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/^usage: node tools\/.*\.mjs /);
      expect(r.err).toBe("");
    }
  });

  it.each([
    [
      LIVE,
      ["--frob"],
      /^live-check: unknown flag --frob; expected one of --processes, --contents, --sleep, --out, --json; usage: /,
    ],
    [
      LIVE,
      ["--processes", "x"],
      /^live-check: --processes expects a whole number from 1 to 64, got x; usage: /,
    ],
    [LIVE, ["--contents", "raw"], /^live-check: --contents expects full or hash, got raw; /],
    [
      LIVE,
      ["--sleep", "-1"],
      /^live-check: --sleep needs a value \(one that starts with "-" is written --sleep=VALUE\); /,
    ],
    [LIVE, ["--sleep=-1"], /^live-check: --sleep expects whole milliseconds \(0 or more\), got -1; /],
    [LIVE, ["--out"], /^live-check: --out needs a value; /],
    [LIVE, ["--json=yes"], /^live-check: --json takes no value; /],
    [LIVE, ["extra"], /^live-check: unexpected argument "extra"; /],
    [PACE, ["--seconds", "99"], /^ksmd-pace: --seconds expects a number of seconds from 0 to 60, got 99; /],
    [PACE, ["--second", "9"], /^ksmd-pace: unknown flag --second; expected one of --seconds, --json; /],
    [REPLAY, ["a.cap", "b.cap"], /^replay-check: unexpected argument "b.cap"; /],
    [REPLAY, ["--jsn"], /^replay-check: unknown flag --jsn; expected one of --json; /],
  ])("%s %j: exit 2 with what was wrong", (script, args, message) => {
    const r = tool(script, ...args);
    expect(r.err).toMatch(message);
    expect(r.err.trim().split("\n")).toHaveLength(1);
    expect(r.out).toBe("");
    expect(r.code).toBe(2);
  });
});
