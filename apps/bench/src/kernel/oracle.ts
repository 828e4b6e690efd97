import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Scenario } from "@ksm/scenario";
import {
  clockTicks,
  cpuTicks,
  foreignKsmUsers,
  ksmCounter,
  ksmdPid,
  machineBusyTicks,
  pids,
  processGroup,
} from "./procfs.js";

/** The repository's root (this file is in apps/bench/src or apps/bench/dist). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
/** The shared kernel oracle, beside the repository (override with KSM_ORACLE). */
export const ORACLE = process.env.KSM_ORACLE ?? resolve(REPO_ROOT, "../shared/ksm-oracle/ksm_oracle.py");
/** The lock every oracle user of this machine queues on (the one tools/difftest uses). */
const LOCK = join(tmpdir(), "ksm-oracle.lock");

/** Why the kernel oracle cannot run here, or null when it can. */
export function oracleUnavailable(): string | null {
  if (process.platform !== "linux") return "not Linux";
  if (process.getuid?.() !== 0) return "not root (the oracle drives /sys/kernel/mm/ksm)";
  if (!existsSync("/sys/kernel/mm/ksm/run")) return "no /sys/kernel/mm/ksm";
  if (!existsSync(ORACLE)) return `no oracle at ${ORACLE} (set KSM_ORACLE)`;
  if (ksmdPid() === null) return "no ksmd kernel thread";
  return null;
}

/** One scenario run on the real kernel, with what ksmd spent on it. */
export interface OracleRun {
  /** The oracle's JSON lines, parsed. */
  readonly records: unknown[];
  /** ksmd's CPU time (utime + stime from /proc/<ksmd>/stat) over the run, seconds. */
  readonly ksmdCpuSeconds: number;
  /** The kernel's pages_scanned over the run. */
  readonly pagesScanned: number | null;
  /** Wall time of the oracle, seconds (setup in Python included). */
  readonly wallSeconds: number;
  /** CPU time of everything but ksmd and the oracle's own processes over the run, seconds. */
  readonly otherCpuSeconds: number;
  /** Why the run's timing cannot be trusted (another KSM user, a loaded machine), or null. */
  readonly disturbed: string | null;
}

/** Options of {@link runOracle}. */
export interface OracleOptions {
  /** Give up after this many seconds (default 900). */
  readonly timeoutSeconds?: number;
  /** Progress messages (waiting for the lock, …). */
  readonly log?: (line: string) => void;
  /** Wait this long at most for the machine to be quiet before starting (default 120 s). */
  readonly quietWaitSeconds?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Holds the oracle lock (flock on /tmp/ksm-oracle.lock) until `release` is called. */
async function acquireLock(log: (l: string) => void): Promise<() => void> {
  let holder: ChildProcess;
  try {
    holder = spawn("flock", [LOCK, "sh", "-c", "echo locked; exec cat >/dev/null"], {
      stdio: ["pipe", "pipe", "ignore"],
    });
  } catch {
    log("bench: flock not found; running the oracle without the shared lock");
    return () => {};
  }
  let told = false;
  const timer = setTimeout(() => {
    told = true;
    log("bench: waiting for another kernel oracle run to finish (lock /tmp/ksm-oracle.lock)");
  }, 1000);
  const ok = await new Promise<boolean>((res) => {
    holder.stdout!.on("data", (d: Buffer) => {
      if (d.toString().includes("locked")) res(true);
    });
    holder.on("error", () => res(false));
    holder.on("exit", () => res(false));
  });
  clearTimeout(timer);
  if (told) log("bench: got the oracle lock");
  if (!ok) {
    log("bench: flock unavailable; running the oracle without the shared lock");
    return () => {};
  }
  return () => holder.stdin!.end();
}

/** Waits until no other process uses KSM and the machine is idle (at most `seconds`). */
async function waitQuiet(seconds: number, log: (l: string) => void): Promise<string | null> {
  const t0 = Date.now();
  const hz = clockTicks();
  let told = false;
  for (;;) {
    const others = foreignKsmUsers();
    const b0 = machineBusyTicks();
    await sleep(500);
    const load = (machineBusyTicks() - b0) / hz / 0.5;
    const why = others.length
      ? `another KSM user is running: ${others[0]!.pid} ${others[0]!.cmd}`
      : load > 0.3
        ? `the machine is busy (${load.toFixed(2)} cores)`
        : null;
    if (!why) return null;
    if (!told) log(`bench: waiting: ${why}`);
    told = true;
    if (Date.now() - t0 > seconds * 1000) return why;
  }
}

/**
 * Runs a scenario on the real kernel through the shared oracle (root only), alone on the
 * machine: it queues on the oracle lock, waits until nobody else uses KSM and the machine
 * is idle, and samples ksmd's CPU time and the kernel's pages_scanned around the run. A run
 * that another KSM user or CPU load disturbed says so in `disturbed`.
 */
export async function runOracle(scenario: Scenario, opts: OracleOptions = {}): Promise<OracleRun> {
  const log = opts.log ?? ((l) => process.stderr.write(`${l}\n`));
  const why = oracleUnavailable();
  if (why) throw new Error(`the kernel oracle cannot run here: ${why}`);
  const dir = mkdtempSync(join(tmpdir(), "ksm-bench-"));
  const file = join(dir, "scenario.json");
  const out = join(dir, "expected.jsonl");
  writeFileSync(file, JSON.stringify(scenario));
  const release = await acquireLock(log);
  try {
    const notQuiet = await waitQuiet(opts.quietWaitSeconds ?? 120, log);
    const hz = clockTicks();
    const ksmd = ksmdPid()!;
    const ksmd0 = cpuTicks(ksmd)!;
    const scanned0 = ksmCounter("pages_scanned");
    const busy0 = machineBusyTicks();
    const t0 = performance.now();
    const child = spawn("python3", [ORACLE, file, "--out", out], {
      stdio: ["ignore", "ignore", "pipe"],
      detached: true,
    });
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    // pid -> last seen CPU ticks (utime + stime) of each of the oracle's processes
    const own = new Map<number, number>();
    let foreign: string | null = null;
    const sample = () => {
      for (const pid of pids()) {
        if (processGroup(pid) !== child.pid) continue;
        const t = cpuTicks(pid);
        if (t !== null) own.set(pid, Math.max(own.get(pid) ?? 0, t));
      }
      if (!foreign) {
        const others = foreignKsmUsers(child.pid ?? null);
        if (others.length) foreign = `another KSM user ran meanwhile: ${others[0]!.pid} ${others[0]!.cmd}`;
      }
    };
    const timeoutMs = (opts.timeoutSeconds ?? 900) * 1000;
    const code = await new Promise<number | string>((res) => {
      const poll = setInterval(sample, 200);
      const kill = setTimeout(() => child.kill("SIGINT"), timeoutMs);
      child.on("exit", (c, sig) => {
        clearInterval(poll);
        clearTimeout(kill);
        res(c ?? `signal ${sig}`);
      });
    });
    const wallSeconds = (performance.now() - t0) / 1000;
    const ksmdCpu = (cpuTicks(ksmd)! - ksmd0) / hz;
    const scanned1 = ksmCounter("pages_scanned");
    const busy = (machineBusyTicks() - busy0) / hz;
    if (code !== 0)
      throw new Error(`the oracle failed (exit ${code}): ${stderr.trim().split("\n").pop() ?? ""}`);
    const ownCpu = [...own.values()].reduce((s, t) => s + t, 0) / hz;
    const otherCpuSeconds = Math.max(0, busy - ksmdCpu - ownCpu);
    const loaded =
      otherCpuSeconds > 0.15 * wallSeconds + 0.2
        ? `other processes used ${otherCpuSeconds.toFixed(2)} s of CPU during the ${wallSeconds.toFixed(2)} s run`
        : null;
    const records = readFileSync(out, "utf8")
      .trim()
      .split("\n")
      .filter((l) => l)
      .map((l) => JSON.parse(l) as unknown);
    return {
      records,
      ksmdCpuSeconds: ksmdCpu,
      pagesScanned: scanned0 !== null && scanned1 !== null ? scanned1 - scanned0 : null,
      wallSeconds,
      otherCpuSeconds,
      disturbed: foreign ?? loaded ?? (notQuiet ? `started while ${notQuiet}` : null),
    };
  } finally {
    release();
    rmSync(dir, { recursive: true, force: true });
  }
}
