import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseScenario, type Scenario } from "@ksm/scenario";
import { firstDifference, validateKnob } from "@ksm/sim";
import { requireCounts } from "../args.js";
import { oracleUnavailable, runOracle } from "../kernel/oracle.js";
import { clockTicks, cpuTicksWithChildren, machineBusyTicks } from "../kernel/procfs.js";
import { CALIBRATION_WORKLOADS } from "../workloads/index.js";
import { waitIdle } from "./idle.js";
import { median } from "./speed.js";

/** The workspace's root: the nearest directory up from this module with pnpm-workspace.yaml (from src or dist alike). */
function workspaceRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "pnpm-workspace.yaml")) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/** The reference CLI, whose whole process is timed. */
export const KSM_SIM_CLI = resolve(workspaceRoot(), "apps/ksm-sim/dist/cli.js");
/** The target: the simulator's whole process in at most this fraction of ksmd's CPU time. */
export const CAL_SPEED_TARGET = 1 / 10;

/** One simulator process: `node apps/ksm-sim/dist/cli.js run FILE --jsonl`. */
export interface CalSimRun {
  /** Wall time from spawn to exit, seconds (Node's startup included). */
  readonly wallSeconds: number;
  /** CPU time of the process (user + system, from the parent's reaped-children times), seconds. */
  readonly cpuSeconds: number;
  /** Why the timing may be off (other processes took CPU meanwhile), or null. */
  readonly disturbed: string | null;
}

/** One workload at one size, on both sides. */
export interface CalSpeedRow {
  readonly workload: string;
  readonly pages: number;
  /** ksmd's CPU time over the oracle run; null without the kernel. */
  readonly kernelCpuSeconds: number | null;
  readonly kernelDisturbed: string | null;
  /** Every simulator run, in order. */
  readonly sim: readonly CalSimRun[];
  /** Median wall time of the undisturbed simulator runs (of all when every one was disturbed). */
  readonly simWallSeconds: number;
  /** simWallSeconds / kernelCpuSeconds; null without the kernel. */
  readonly ratio: number | null;
  /** Whether ratio <= {@link CAL_SPEED_TARGET}; null without the kernel. */
  readonly met: boolean | null;
  /** The simulator's report records (one per full scan). */
  readonly records: number;
  /** null when the simulator printed the kernel's records; the first difference otherwise; undefined without the kernel. */
  readonly difference?: string | null;
}

/** The cal-speed target's result. */
export interface CalSpeedResult {
  readonly scans: number;
  /** Batch mode at this pages_to_scan, or null: each full scan in one batch. */
  readonly pagesToScan: number | null;
  /** Why there is no kernel side, or null. */
  readonly kernelSkipped: string | null;
  readonly rows: readonly CalSpeedRow[];
}

/** A calibration workload's scenario, in batch mode at `pagesToScan` when given. */
export function calScenario(workload: string, pages: number, scans: number, pagesToScan?: number): Scenario {
  const w = CALIBRATION_WORKLOADS.find((x) => x.name === workload);
  if (!w)
    throw new RangeError(
      `--workloads: unknown calibration workload ${workload} (one of ${CALIBRATION_WORKLOADS.map((x) => x.name).join(", ")})`,
    );
  const s = JSON.parse(JSON.stringify(w.generate({ pages, scans }, 0)));
  if (pagesToScan !== undefined) {
    s.batchMode = true;
    s.knobs = { ...s.knobs, pages_to_scan: pagesToScan };
    s.name = `${s.name}-batch${pagesToScan}`;
  }
  return parseScenario(s, validateKnob);
}

/** Runs the CLI on `file` once and times the whole process; resolves with its stdout too. */
async function timeCli(file: string): Promise<CalSimRun & { stdout: string }> {
  const hz = clockTicks();
  const busy0 = machineBusyTicks();
  const self0 = cpuTicksWithChildren(process.pid) ?? 0;
  const t0 = performance.now();
  const child = spawn(process.execPath, [KSM_SIM_CLI, "run", file, "--jsonl"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const code = await new Promise<number | string>((res) =>
    child.on("exit", (c, sig) => res(c ?? `signal ${sig}`)),
  );
  const wallSeconds = (performance.now() - t0) / 1000;
  if (code !== 0) throw new Error(`ksm-sim failed (exit ${code}): ${stderr.trim().split("\n").pop() ?? ""}`);
  // the child's CPU lands in this process's cutime/cstime once reaped; this process idles meanwhile
  const cpuSeconds = ((cpuTicksWithChildren(process.pid) ?? 0) - self0) / hz;
  const other = (machineBusyTicks() - busy0) / hz - cpuSeconds;
  return {
    wallSeconds,
    cpuSeconds,
    disturbed:
      other > 0.15 * wallSeconds + 0.05
        ? `other processes used ${other.toFixed(2)} s of CPU during the ${wallSeconds.toFixed(2)} s run`
        : null,
    stdout,
  };
}

/**
 * The cal-speed target: each calibration workload at each size on the real kernel (ksmd's
 * CPU time, through the oracle, which holds /tmp/ksm-oracle.lock and waits for a quiet
 * machine) and as a whole `ksm-sim run` process (wall time, `repeat` runs, each after
 * waiting for an idle machine), side by side with their ratio against the 1/10 target.
 */
export async function runCalSpeed(opts: {
  kernel: boolean;
  sizes: readonly number[];
  scans: number;
  workloads?: readonly string[];
  pagesToScan?: number;
  repeat: number;
  /** Longest wait for an idle machine before each timing, seconds. */
  quietWaitSeconds: number;
  log: (l: string) => void;
}): Promise<CalSpeedResult> {
  requireCounts([
    ["--scans", opts.scans],
    ["--repeat", opts.repeat],
    ["--pages-to-scan", opts.pagesToScan ?? 1],
  ]);
  const names = opts.workloads ?? CALIBRATION_WORKLOADS.map((w) => w.name);
  // every scenario checked before anything runs
  for (const name of names) calScenario(name, opts.sizes[0] ?? 256, 1, opts.pagesToScan);
  if (!existsSync(KSM_SIM_CLI))
    throw new Error(`cal-speed needs the built CLI at ${KSM_SIM_CLI} (pnpm build)`);
  const why = opts.kernel ? oracleUnavailable() : "skipped (--no-kernel)";
  const dir = mkdtempSync(join(tmpdir(), "ksm-cal-speed-"));
  const rows: CalSpeedRow[] = [];
  try {
    for (const pages of opts.sizes)
      for (const name of names) {
        const scenario = calScenario(name, pages, opts.scans, opts.pagesToScan);
        const file = join(dir, `${name}-${pages}.json`);
        writeFileSync(file, JSON.stringify(scenario));
        let kernel: Awaited<ReturnType<typeof runOracle>> | null = null;
        if (!why) {
          opts.log(`bench: ${name} (${pages} pages) on the kernel oracle…`);
          kernel = await runOracle(scenario, { log: opts.log, quietWaitSeconds: opts.quietWaitSeconds });
        }
        const sim: CalSimRun[] = [];
        let stdout = "";
        for (let i = 0; i < opts.repeat; i++) {
          if (opts.quietWaitSeconds > 0) await waitIdle(opts.quietWaitSeconds, opts.log);
          opts.log(`bench: ${name} (${pages} pages) on the simulator (${i + 1}/${opts.repeat})…`);
          const { stdout: out, ...run } = await timeCli(file);
          stdout = out;
          sim.push(run);
        }
        const records = stdout
          .split("\n")
          .filter((l) => l.trim())
          .map((l) => JSON.parse(l) as unknown);
        const ok = sim.filter((r) => !r.disturbed);
        const simWallSeconds = median((ok.length ? ok : sim).map((r) => r.wallSeconds));
        const ratio = kernel ? simWallSeconds / kernel.ksmdCpuSeconds : null;
        const row: CalSpeedRow = {
          workload: name,
          pages,
          kernelCpuSeconds: kernel?.ksmdCpuSeconds ?? null,
          kernelDisturbed: kernel?.disturbed ?? null,
          sim,
          simWallSeconds,
          ratio,
          met: ratio === null ? null : ratio <= CAL_SPEED_TARGET,
          records: records.length,
        };
        if (!kernel) rows.push(row);
        else {
          const diff =
            kernel.records.map((k, i) => firstDifference(k, records[i])).find((d) => d !== null) ??
            (kernel.records.length === records.length
              ? null
              : `${kernel.records.length} kernel records, ${records.length} simulator records`);
          rows.push({ ...row, difference: diff });
        }
      }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { scans: opts.scans, pagesToScan: opts.pagesToScan ?? null, kernelSkipped: why, rows };
}
