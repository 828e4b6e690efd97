import { parseScenario, type Scenario } from "@ksm/scenario";
import { buildSimulation, firstDifference, type ReportRecord, simulate, validateKnob } from "@ksm/sim";
import { requireCounts } from "../args.js";
import { oracleUnavailable, runOracle } from "../kernel/oracle.js";
import { clockTicks, machineBusyTicks } from "../kernel/procfs.js";
import { speedDup } from "../workloads/index.js";
import { waitIdle } from "./idle.js";

/** One run of the merge-speed scenario. */
export interface SpeedSide {
  /** Seconds until pages_sharing reached the target (the measure record's `seconds`). */
  readonly seconds: number;
  readonly counters: ReportRecord["counters"];
}

/** A kernel run, with ksmd's CPU time over it. */
export interface KernelSpeed extends SpeedSide {
  readonly ksmdCpuSeconds: number;
  readonly disturbed: string | null;
}

/** A simulator run, with its setup. */
export interface SimSpeed extends SpeedSide {
  /** Wall time of the whole scenario (setup of the memory included). */
  readonly totalSeconds: number;
  /** Why the timing may be off (other processes took CPU meanwhile), or null. */
  readonly disturbed: string | null;
}

/** The merge-speed target's result. */
export interface SpeedResult {
  readonly scenario: string;
  readonly target: number;
  /** Every kernel run, or why there is none. */
  readonly kernel: readonly KernelSpeed[] | { readonly skipped: string };
  /** Every simulator run, in order (the first one cold: a fresh JIT). */
  readonly sim: readonly SimSpeed[];
  /** Median seconds of each side, over its undisturbed runs when there are any. */
  readonly kernelSeconds: number | null;
  readonly simSeconds: number;
  /** simSeconds / kernelSeconds; null without the kernel. */
  readonly ratio: number | null;
  /**
   * null when the first kernel record equals the first simulator record (seconds and
   * full-scan counts aside, see withoutScanCount), else the first difference; undefined
   * without the kernel.
   */
  readonly difference?: string | null;
}

/** The speed-dup-1024 scenario (or a resized one). */
export function speedScenario(pages?: number, contents?: number): Scenario {
  const p = { ...speedDup.defaults, ...(pages ? { pages } : {}), ...(contents ? { contents } : {}) };
  return parseScenario(JSON.parse(JSON.stringify(speedDup.generate(p, 0))), validateKnob);
}

/** The median of a non-empty list. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * A measure record without its full-scan counts. The oracle stops ksmd some time after
 * pages_sharing reached the target (it polls, and `run` = 0 waits for ksmd's batch, a
 * whole full scan here, to end), so the kernel counts one or more scans past the target,
 * as many as the timing allows; the simulator stops at the scan that reached it.
 */
export function withoutScanCount(r: ReportRecord): unknown {
  const { full_scans: _, ...counters } = r.counters;
  const { fullScans: __, seconds: ___, ...rest } = r;
  return { ...rest, counters };
}

/**
 * Runs speed-dup-1024 `kernelRepeat` times on the real kernel (when the oracle can run),
 * then `repeat` times on the simulator in this process, each on an idle machine, and
 * compares the median times and the records.
 */
export async function runSpeed(opts: {
  kernel: boolean;
  repeat: number;
  kernelRepeat: number;
  pages?: number;
  contents?: number;
  /** Longest wait for an idle machine before each timing, seconds. */
  quietWaitSeconds: number;
  log: (l: string) => void;
}): Promise<SpeedResult> {
  requireCounts([
    ["--repeat", opts.repeat],
    ["--kernel-repeat", opts.kernelRepeat],
  ]);
  const scenario = speedScenario(opts.pages, opts.contents);
  const step = scenario.steps[0] as { pagesSharing: number };
  const why = opts.kernel ? oracleUnavailable() : "skipped (--no-kernel)";
  const kernelRuns: KernelSpeed[] = [];
  let kernelRecord: ReportRecord | undefined;
  for (let i = 0; !why && i < opts.kernelRepeat; i++) {
    opts.log(`bench: running speed-dup on the kernel oracle (${i + 1}/${opts.kernelRepeat})…`);
    const run = await runOracle(scenario, { log: opts.log, quietWaitSeconds: opts.quietWaitSeconds });
    const r = run.records[0] as ReportRecord;
    kernelRecord ??= r;
    kernelRuns.push({
      seconds: r.seconds ?? Number.NaN,
      counters: r.counters,
      ksmdCpuSeconds: run.ksmdCpuSeconds,
      disturbed: run.disturbed,
    });
  }
  const sim: SimSpeed[] = [];
  let simRecord: ReportRecord | undefined;
  const options = await buildSimulation({});
  for (let i = 0; i < opts.repeat; i++) {
    await waitIdle(opts.quietWaitSeconds, opts.log);
    opts.log(`bench: running speed-dup on the simulator (${i + 1}/${opts.repeat})…`);
    const busy0 = machineBusyTicks();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const records = [...simulate(scenario, options)];
    const totalSeconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const other = (machineBusyTicks() - busy0) / clockTicks() - (cpu.user + cpu.system) / 1e6;
    const r = records[0] as ReportRecord;
    simRecord ??= r;
    sim.push({
      seconds: r.seconds ?? Number.NaN,
      counters: r.counters,
      totalSeconds,
      disturbed:
        other > 0.15 * totalSeconds + 0.05
          ? `other processes used ${other.toFixed(2)} s of CPU during the ${totalSeconds.toFixed(2)} s run`
          : null,
    });
  }
  const clean = <T extends { disturbed: string | null; seconds: number }>(xs: readonly T[]) => {
    const ok = xs.filter((x) => !x.disturbed);
    return (ok.length ? ok : xs).map((x) => x.seconds);
  };
  const kernelSeconds = kernelRuns.length ? median(clean(kernelRuns)) : null;
  const simSeconds = median(clean(sim));
  const result: SpeedResult = {
    scenario: scenario.name ?? "speed-dup",
    target: step.pagesSharing,
    kernel: why ? { skipped: why } : kernelRuns,
    sim,
    kernelSeconds,
    simSeconds,
    ratio: kernelSeconds ? simSeconds / kernelSeconds : null,
  };
  return kernelRecord && simRecord
    ? { ...result, difference: firstDifference(withoutScanCount(kernelRecord), withoutScanCount(simRecord)) }
    : result;
}
