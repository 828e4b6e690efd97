import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readCapture } from "@ksm/capture";
import { describe, expect, it } from "vitest";
import { cli } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "ksm-capture-cli-"));

describe("ksm-sim capture: flags", () => {
  it.each([
    [["--pid", "1"], /needs --out FILE/],
    [["--out", "x"], /needs --pid PID or --launch/],
    [["--pid", "abc", "--out", "x"], /--pid takes an integer >= 1; got "abc"/],
    [["--pid", "1", "--out", "x", "--contents", "some"], /--contents takes "full" or "hash"; got "some"/],
    [["--pid", "1", "--out", "x", "--frobnicate"], /unknown flag "--frobnicate" for "capture"/],
    [["--pid", "1", "--out", "x", "--after", "2"], /--after goes with --launch/],
    [["--pid", "1", "--out", "x", "--interval", "2"], /--interval goes with --count N/],
    [["--out", "x", "--launch", "sleep"], /--launch takes "-- CMD ARG..."/],
  ])("refuses %j with exit 2 and one paragraph", async (args, message) => {
    const r = await cli("capture", ...args);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err.trim().split("\n")).toHaveLength(1);
  });

  it("warns in --help that full contents may hold secrets", async () => {
    const r = await cli("--help");
    expect(r.out).toMatch(/--contents full[\s\S]*may\s+hold secrets/);
  });
});

function cannotLaunch(): string | null {
  if (process.platform !== "linux") return "needs Linux";
  if (process.getuid?.() !== 0) return "needs root to read /proc/PID/mem";
  if (spawnSync("cc", ["--version"]).status !== 0)
    return "needs a C compiler (cc) for the PR_SET_MEMORY_MERGE helper";
  return null;
}
const why = cannotLaunch();

/**
 * Holds `flock /tmp/ksm-oracle.lock` while `fn` runs: a process launched with
 * PR_SET_MEMORY_MERGE is KSM's to scan, and KSM is global to the machine.
 */
async function withKsmLock<T>(fn: () => Promise<T>): Promise<T> {
  const holder = spawn("flock", ["/tmp/ksm-oracle.lock", "sh", "-c", "echo locked; exec cat"], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  await new Promise<void>((resolve) => holder.stdout!.once("data", () => resolve()));
  try {
    return await fn();
  } finally {
    holder.stdin!.end();
    await new Promise((r) => holder.once("exit", r));
  }
}

describe.skipIf(why !== null)(`ksm-sim capture --launch${why ? ` (skipped: ${why})` : ""}`, () => {
  it("starts the command with PR_SET_MEMORY_MERGE and captures it", async () => {
    const out = join(dir, "launch.cap");
    const r = await withKsmLock(() =>
      cli("capture", "--out", out, "--after", "0.2", "--launch", "--", "sleep", "30"),
    );
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^captured \d+ pages of 1 process/);
    const procs = [];
    for await (const e of readCapture(out)) if (e.kind === "process") procs.push(e.process);
    expect(procs).toHaveLength(1);
    expect(procs[0]!.comm).toBe("sleep");
    expect(procs[0]!.mergeAny).toBe(true);
  });

  it("fails with exit 2 and no file when the command exits before the capture", async () => {
    const out = join(dir, "early.cap");
    const r = await withKsmLock(() =>
      cli("capture", "--out", out, "--after", "0.3", "--launch", "--", "sh", "-c", "sleep 0.1"),
    );
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/exited before --after 0.3 s were up/);
    expect(existsSync(out)).toBe(false);
  });
});
