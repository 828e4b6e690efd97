import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import type { KsmPlugin } from "@ksm/contracts";
import { PAGE_SIZE } from "@ksm/mm";
import { parseScenario } from "@ksm/scenario";
import {
  buildSimulation,
  findProfile,
  firstDifference,
  listPolicies,
  loadPlugins,
  PolicyError,
  packageVersion,
  simulate,
  validateKnob,
} from "@ksm/sim";
import {
  type Args,
  flag,
  intFlag,
  listFlag,
  paramFlags,
  parseArgs,
  parseSeeds,
  quietWaitFlag,
  UsageError,
} from "./args.js";
import { type CellResult, type CellSpec, cellScenario } from "./cell.js";
import { CALIBRATION_FILE, type Calibration, loadCalibration } from "./cost-model.js";
import { oracleUnavailable, runOracle } from "./kernel/oracle.js";
import { machineInfo } from "./machine.js";
import { DEFAULT_SEEDS, distinctRuns, planMatrix, runMatrix } from "./matrix.js";
import { Progress, type ProgressStream } from "./progress.js";
import { checkReachable, parseQueueAddress, runOnQueue, runQueueWorker } from "./queue.js";
import { mdTable } from "./report/markdown.js";
import { reportFiles, writeReport } from "./report/write.js";
import { CAL_SPEED_TARGET, runCalSpeed } from "./targets/cal-speed.js";
import { calibrate } from "./targets/calibrate.js";
import { MAX_GROWTH_EXPONENT, runGrowth } from "./targets/growth.js";
import { waitIdle } from "./targets/idle.js";
import { runQueueScaling } from "./targets/queue-scaling.js";
import { checkScaleOnKernel, runScale, type ScaleSize, scaleSize } from "./targets/scale.js";
import { median, runSpeed } from "./targets/speed.js";
import { getWorkload, MATRIX_WORKLOADS, resolveParams, WORKLOADS } from "./workloads/index.js";

const HELP = `ksm-bench: the KSM simulator's benchmark harness

Usage (from the repository root, after pnpm build):
  node apps/bench/dist/cli.js matrix [options]     the benchmark matrix (pnpm bench)
  node apps/bench/dist/cli.js worker --queue redis://HOST:PORT[/DB[/QUEUE]] [--workers N] [--lock-ms 30000] [--until-empty]
  node apps/bench/dist/cli.js speed [--no-kernel] [--repeat 5] [--kernel-repeat 5]
  node apps/bench/dist/cli.js scale [--guests 16] [--pages 262144] [--no-kernel] [--breakdown]
  node apps/bench/dist/cli.js growth [--from 16] [--to 22] [--guests 16]
  node apps/bench/dist/cli.js calibrate [--sizes 65536,131072] [--scans 8]
  node apps/bench/dist/cli.js cal-speed [--no-kernel] [--sizes 65536,131072] [--scans 8] [--pages-to-scan N] [--repeat 3] [--workloads a,b]
  node apps/bench/dist/cli.js queue-scaling [matrix plan options] [--counts 1,2,4] [--queue redis://HOST:PORT]
  node apps/bench/dist/cli.js scenario WORKLOAD [--seed N] [--param k=v]...
  node apps/bench/dist/cli.js check WORKLOAD [--seed N] [--param k=v]...
  node apps/bench/dist/cli.js list [--plugin SPEC]...

matrix: profiles x policies x workloads x seeds on the simulator, on worker threads.
  --workloads a,b     default: ${MATRIX_WORKLOADS.join(", ")}
  --seeds 1-3         default: ${DEFAULT_SEEDS.join(",")}
  --profiles a,b      default: every profile of listPolicies()
  --axes a,b          policy axes to vary (default: every axis)
  --cross             every combination of the axes' variants (default: one axis at a time)
  --param [workload.]name=value   override a workload parameter (repeatable)
  --plugin SPEC       add a plugin's variants (and profiles) to the axes, as ksm-sim --plugin
                      (a path or an installed package name; repeatable)
  --workers N         worker threads (default: os.availableParallelism(); 0: this thread)
  --calibration FILE  cost model (default apps/bench/calibration.json; "none" for no estimate)
  --out DIR           default bench-results/matrix (in the working directory)
  --queue redis://HOST:PORT[/DB[/QUEUE]]   put the cells on a BullMQ queue for workers on
                      any machines and collect their results (same results.json as a local
                      run); restarted, it takes the results already there
worker:    runs the cells of a --queue on N threads (default: every CPU) until stopped
           (SIGINT/SIGTERM) or, with --until-empty, until nothing is left; --lock-ms: how
           soon a dead worker's cell goes back on the queue.
speed:     speed-dup-1024 on the kernel oracle (root) and on the simulator, side by side.
scale:     16 guests x 262,144 pages on the simulator (time, peak RSS, metadata per page,
           counters against the kernel's rules), and 16 x 4,096 on the kernel oracle too;
           --breakdown: the settled model's typed arrays, field by field, in bytes per page.
growth:    the scale workload from 2^from to 2^to pages, each in a fresh process (up to
           --to 26, 256 GiB simulated: 9.4–10 min and 3.8 GiB of RSS
           on the project's machine, slower on a slow day).
queue-scaling: times the plan's sweep on a queue with 1, 2, 4 local worker processes (a
           redis-server of its own unless --queue names one) and checks the results agree.
calibrate: fits the ksmd CPU cost model on the kernel oracle (root) into calibration.json.
cal-speed: each cal-* workload on the kernel oracle (root; ksmd's CPU time) and as a whole
           ksm-sim process (wall time, Node's startup included), the ratio against the 1/10
           target; --pages-to-scan N runs both in batch mode at that pages_to_scan,
           --no-kernel the simulator alone, --repeat the simulator runs per cell (median).
scenario:  prints a workload's scenario (format v1: runs on ksm_oracle.py too).
check:     runs a workload on the kernel oracle and the simulator and compares the records.
--json prints one JSON line instead of text (speed, scale, cal-speed).
--quiet-wait S: before each timing, wait up to S seconds (default 120) for an idle machine
  and no other KSM user (speed, scale, growth, calibrate, cal-speed); a timing taken on a busy machine
  says so.`;

/** Where the CLI writes. */
export interface BenchIo {
  out(text: string): void;
  err: ProgressStream;
}

/** The ksm-bench command line: runs `argv` and returns the exit code. */
export async function runBenchCli(argv: readonly string[], io: BenchIo): Promise<number> {
  try {
    return await main(argv, io);
  } catch (e) {
    if (e instanceof UsageError || e instanceof RangeError) {
      io.err.write(`ksm-bench: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

const COMMON = ["param", "seed"];

async function main(argv: readonly string[], io: BenchIo): Promise<number> {
  const [command, ...rest] = argv;
  const log = (l: string) => io.err.write(`${l}\n`);
  if (!command || command === "help" || argv.includes("--help") || argv.includes("-h")) {
    io.out(`${HELP}\n`);
    return 0;
  }
  if (command === "--version" || command === "-V") {
    io.out(`ksm-bench ${packageVersion(import.meta.url)}\n`);
    return 0;
  }
  const commandLine = `node apps/bench/dist/cli.js ${argv.join(" ")}`.trim();
  switch (command) {
    case "matrix":
      return matrix(parseArgs(rest, [...PLAN_FLAGS, "workers", "out", "queue"], ["cross"]), io, commandLine);
    case "worker": {
      const a = parseArgs(rest, ["queue", "workers", "lock-ms"], ["until-empty"]);
      const address = parseQueueAddress(
        flag(a, "queue") ?? usage("worker needs --queue redis://HOST:PORT/…"),
      );
      const threads = intFlag(a, "workers", availableParallelism());
      const lockMs = intFlag(a, "lock-ms", 30_000);
      if (threads < 1)
        throw new UsageError(
          `--workers ${threads}: expected 1 or more threads (a worker runs each cell on a thread of its own, so that it keeps renewing its jobs' locks)`,
        );
      if (lockMs < 100) throw new UsageError(`--lock-ms ${lockMs}: expected at least 100 (ms)`);
      await checkReachable(address);
      const stop = new AbortController();
      for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, () => stop.abort());
      log(`ksm-bench: worker on ${flag(a, "queue")}, ${threads} threads`);
      const ran = await runQueueWorker(address, {
        threads,
        lockMs,
        untilEmpty: a.flags.has("until-empty"),
        log,
        signal: stop.signal,
      });
      log(`ksm-bench: worker stopped after ${ran} cells`);
      return 0;
    }
    case "queue-scaling": {
      const a = parseArgs(rest, [...PLAN_FLAGS, "counts", "queue", "quiet-wait"], ["cross"]);
      const { cells, calibration, notes } = await planFromArgs(a);
      const counts = (listFlag(a, "counts") ?? ["1", "2", "4"]).map((c) => {
        const n = Number(c);
        if (!Number.isInteger(n) || n < 1)
          throw new UsageError(`--counts: "${c}" is not a number of workers (1 or more)`);
        return n;
      });
      const queueUrl = flag(a, "queue");
      if (queueUrl !== undefined) await checkReachable(parseQueueAddress(queueUrl));
      for (const note of notes) io.err.write(`ksm-bench: note: ${note}\n`);
      const rows = await runQueueScaling({
        cells,
        model: calibration,
        counts,
        ...(queueUrl === undefined ? {} : { redisUrl: queueUrl.replace(/\/+$/, "") }),
        quietWaitSeconds: quietWaitFlag(a),
        log,
      });
      const one = rows.find((r) => r.workers === 1)?.seconds ?? null;
      io.out(
        `${cells.length} cells, ${rows[0]?.runs ?? 0} distinct runs, ${machineInfo().cpus} CPUs (${machineInfo().cpuModel}), Node ${process.version}\n\n${mdTable(
          ["worker processes", "wall s", "runs/s", "speed-up", "same results.json", "other CPU s"],
          rows.map((r) => [
            String(r.workers),
            r.seconds.toFixed(2),
            (r.runs / r.seconds).toFixed(2),
            one === null ? "–" : `${(one / r.seconds).toFixed(2)}×`,
            r.sameResults ? "yes" : "NO",
            r.otherCpuSeconds.toFixed(2) + (r.busyBefore ? ` (busy before: ${r.busyBefore})` : ""),
          ]),
          "rrrrlr",
        )}`,
      );
      return rows.every((r) => r.sameResults) ? 0 : 1;
    }
    case "speed": {
      const a = parseArgs(
        rest,
        ["repeat", "kernel-repeat", "pages", "contents", "quiet-wait"],
        ["no-kernel", "json"],
      );
      const r = await runSpeed({
        kernel: !a.flags.has("no-kernel"),
        repeat: intFlag(a, "repeat", 5),
        kernelRepeat: intFlag(a, "kernel-repeat", 5),
        quietWaitSeconds: quietWaitFlag(a),
        ...(a.flags.has("pages") ? { pages: intFlag(a, "pages", 0) } : {}),
        ...(a.flags.has("contents") ? { contents: intFlag(a, "contents", 0) } : {}),
        log,
      });
      if (a.flags.has("json")) io.out(`${JSON.stringify(r)}\n`);
      else io.out(speedText(r));
      return 0;
    }
    case "scale": {
      const a = parseArgs(
        rest,
        ["guests", "pages", "check-guests", "check-pages", "quiet-wait"],
        ["no-kernel", "json", "breakdown"],
      );
      const size = scaleSizeFlags(a, "guests", "pages", 16, 262_144);
      const checkSize = a.flags.has("no-kernel")
        ? null
        : scaleSizeFlags(a, "check-guests", "check-pages", 16, 4096);
      const quietWait = quietWaitFlag(a);
      const idle = await waitIdle(quietWait, log);
      const sim = { ...(await runScale(size, a.flags.has("breakdown"))), busyBefore: idle };
      const check = checkSize && (await checkScaleOnKernel(checkSize, log, quietWait));
      if (a.flags.has("json")) io.out(`${JSON.stringify({ simulator: sim, kernelCheck: check })}\n`);
      else io.out(scaleText(sim, check));
      return 0;
    }
    case "growth": {
      const a = parseArgs(rest, ["from", "to", "guests", "quiet-wait"], []);
      const rows = runGrowth({
        from: intFlag(a, "from", 16, 0, MAX_GROWTH_EXPONENT),
        to: intFlag(a, "to", 22, 0, MAX_GROWTH_EXPONENT),
        guests: intFlag(a, "guests", 16),
        quietWaitSeconds: quietWaitFlag(a),
        log,
      });
      io.out(
        mdTable(
          [
            "pages",
            "simulated",
            "wall s",
            "CPU s",
            "peak RSS MiB",
            "metadata B/page",
            "pages/s",
            "kernel's counters",
            "other CPU s",
          ],
          rows.map((r) => [
            `2^${Math.log2(r.pages)} = ${r.pages.toLocaleString("en-US")}`,
            `${((r.pages * PAGE_SIZE) / 2 ** 30).toFixed(2)} GiB`,
            r.seconds.toFixed(2),
            r.cpuSeconds.toFixed(2),
            r.maxRssMiB.toFixed(0),
            r.metadataBytesPerPage === null ? "–" : r.metadataBytesPerPage.toFixed(1),
            Math.round(r.pagesPerSecond).toLocaleString("en-US"),
            r.matchesExpectation ? "yes" : "NO",
            r.otherCpuSeconds.toFixed(2),
          ]),
          "lrrrrrrlr",
        ),
      );
      return 0;
    }
    case "calibrate": {
      const a = parseArgs(rest, ["sizes", "scans", "out", "quiet-wait"], []);
      const c = await calibrate({
        sizes: sizesFlag(a),
        scans: intFlag(a, "scans", 8),
        out: resolve(flag(a, "out") ?? CALIBRATION_FILE),
        command: commandLine,
        quietWaitSeconds: quietWaitFlag(a),
        log,
      });
      io.out(calibrationText(c));
      return 0;
    }
    case "cal-speed": {
      const a = parseArgs(
        rest,
        ["sizes", "scans", "workloads", "pages-to-scan", "repeat", "quiet-wait"],
        ["no-kernel", "json"],
      );
      const r = await runCalSpeed({
        kernel: !a.flags.has("no-kernel"),
        sizes: sizesFlag(a),
        scans: intFlag(a, "scans", 8),
        ...(a.flags.has("workloads") ? { workloads: listFlag(a, "workloads")! } : {}),
        ...(a.flags.has("pages-to-scan") ? { pagesToScan: intFlag(a, "pages-to-scan", 100) } : {}),
        repeat: intFlag(a, "repeat", 3),
        quietWaitSeconds: quietWaitFlag(a),
        log,
      });
      io.out(a.flags.has("json") ? `${JSON.stringify(r)}\n` : calSpeedText(r));
      return 0;
    }
    case "scenario": {
      const a = parseArgs(rest, COMMON, []);
      const w = getWorkload(a.positional[0] ?? usage("scenario needs a workload name (see list)"));
      const params = resolveParams(w, { ...paramFlags(a).get(""), ...paramFlags(a).get(w.name) });
      io.out(`${JSON.stringify(w.generate(params, intFlag(a, "seed", 1, 0, 2 ** 32 - 1)), null, 1)}\n`);
      return 0;
    }
    case "check":
      return check(parseArgs(rest, COMMON, []), io, log);
    case "list":
      io.out(listText(await pluginFlags(parseArgs(rest, ["plugin"], []))));
      return 0;
    default:
      throw new UsageError(`unknown command "${command}" (see --help)`);
  }
}

/** The scale workload's size from two flags (defaults `guests`, `pages`); a bad one is a usage error naming them. */
function scaleSizeFlags(
  a: Args,
  guestsFlag: string,
  pagesFlag: string,
  guests: number,
  pages: number,
): ScaleSize {
  const g = intFlag(a, guestsFlag, guests);
  const p = intFlag(a, pagesFlag, pages);
  try {
    return scaleSize(g, p);
  } catch (e) {
    if (e instanceof RangeError)
      throw new UsageError(`--${guestsFlag} ${g} --${pagesFlag} ${p}: ${e.message}`);
    throw e;
  }
}
function usage(message: string): never {
  throw new UsageError(message);
}

/** The flags that choose a matrix's cells (matrix, queue-scaling). */
const PLAN_FLAGS = ["workloads", "seeds", "profiles", "axes", "param", "plugin", "calibration"];

/**
 * The cells, cost model and notes (knobs a profile lacks) the matrix flags choose; bad flags
 * are usage errors, before anything runs. The caller prints the notes once every flag of
 * its own passed too.
 */
async function planFromArgs(
  a: Args,
): Promise<{ cells: CellSpec[]; calibration: Calibration | null; notes: string[] }> {
  const loaded = await pluginFlags(a);
  const listing = listPolicies(loaded);
  const params = paramFlags(a);
  const workloads = listFlag(a, "workloads") ?? [...MATRIX_WORKLOADS];
  for (const w of workloads) getWorkload(w);
  for (const w of params.keys())
    if (w && !workloads.includes(w))
      throw new UsageError(
        `--param ${w}.…: "${w}" is not a workload of this matrix; expected one of ${workloads.join(", ")} (or a name without a workload, for all of them)`,
      );
  const perWorkload: Record<string, Record<string, number>> = {};
  for (const w of workloads) {
    const p = { ...params.get(""), ...params.get(w) };
    try {
      if (Object.keys(p).length) perWorkload[w] = resolveParams(getWorkload(w), p);
    } catch (e) {
      throw new UsageError(`--param: ${(e as Error).message}`);
    }
  }
  for (const w of workloads)
    try {
      cellScenario({
        workload: w,
        seed: 1,
        profile: "linux-6.18",
        policies: {},
        ...(perWorkload[w] ? { params: perWorkload[w] } : {}),
      });
    } catch (e) {
      throw new UsageError(`--param: workload ${w}: ${(e as Error).message}`);
    }
  const profiles = listFlag(a, "profiles");
  const axes = listFlag(a, "axes");
  const seeds = flag(a, "seeds");
  const cells = planMatrix(listing, {
    workloads,
    ...(profiles ? { profiles } : {}),
    ...(axes ? { axes } : {}),
    ...(seeds ? { seeds: parseSeeds(seeds) } : {}),
    cross: a.flags.has("cross"),
    params: perWorkload,
    plugins: a.flags.get("plugin") ?? [],
  });
  const notes = ignoredKnobNotes(cells, loaded);
  const calArg = flag(a, "calibration");
  if (calArg !== undefined && calArg !== "none" && !existsSync(resolve(calArg)))
    throw new UsageError(
      `--calibration ${calArg}: no such file; give a calibration.json, or "none" for no estimate`,
    );
  const calibration: Calibration | null =
    calArg === "none" ? null : loadCalibration(calArg ? resolve(calArg) : CALIBRATION_FILE);
  return { cells, calibration, notes };
}

async function matrix(a: Args, io: BenchIo, command: string): Promise<number> {
  const { cells, calibration, notes } = await planFromArgs(a);
  const workers = intFlag(a, "workers", availableParallelism());
  if (workers < 0) throw new UsageError(`--workers must be 0 (this thread) or more, got ${workers}`);
  // relative to the working directory (the repository root for pnpm bench), never to where the package is installed
  const out = resolve(flag(a, "out") ?? "bench-results/matrix");
  const queueUrl = flag(a, "queue");
  const queue = queueUrl === undefined ? null : parseQueueAddress(queueUrl);
  if (queue) await checkReachable(queue);
  for (const note of notes) io.err.write(`ksm-bench: note: ${note}\n`);
  const runs = await distinctRuns(cells, calibration);
  io.err.write(
    `ksm-bench: ${cells.length} cells, ${runs.specs.length} distinct configurations to run, ${queue ? `on the queue ${queueUrl} (start workers: node apps/bench/dist/cli.js worker --queue ${queueUrl})` : `on ${workers} worker threads`}\n`,
  );
  const progress = new Progress(runs.specs.length, io.err, "matrix");
  const t0 = performance.now();
  const onResult = (r: CellResult) =>
    progress.tick(
      `${r.spec.workload} seed ${r.spec.seed} ${r.spec.profile} ${r.variant}: ${r.error ? `FAILED: ${r.error}` : `${r.wallSeconds.toFixed(2)} s`}`,
    );
  const results = queue
    ? await runOnQueue(cells, queue, { model: calibration, runs, onResult })
    : await runMatrix(cells, { workers, model: calibration, runs, onResult });
  progress.finish();
  const elapsedSeconds = (performance.now() - t0) / 1000;
  const files = reportFiles(results, {
    command,
    date: new Date().toISOString(),
    machine: machineInfo(),
    elapsedSeconds,
    workers,
    ...(queueUrl === undefined ? {} : { queue: queueUrl }),
    calibration,
  });
  writeReport(out, files);
  io.out(files["summary.md"]!);
  io.out(
    `\nWrote ${Object.keys(files).length} files to ${out} (report.html, summary.md, results.json, results.csv, …)\n`,
  );
  const failed = results.filter((r) => r.error).length;
  if (failed) io.err.write(`ksm-bench: ${failed} cells failed (see summary.md)\n`);
  return failed ? 1 : 0;
}

/** The plugins of the --plugin flags, loaded (a bad one: a usage error). */
async function pluginFlags(a: Args): Promise<KsmPlugin[]> {
  try {
    return await loadPlugins(a.flags.get("plugin") ?? []);
  } catch (e) {
    if (e instanceof PolicyError) throw new UsageError(e.message);
    throw e;
  }
}

/** One line per profile that lacks knobs the cells' workloads set: which knobs, in which workloads. */
function ignoredKnobNotes(cells: readonly CellSpec[], plugins: readonly KsmPlugin[]): string[] {
  const byProfile = new Map<string, { knobs: Set<string>; workloads: Set<string> }>();
  const seen = new Set<string>();
  for (const c of cells) {
    const key = `${c.profile}|${c.workload}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const { ignoredKnobs } = cellScenario(c, findProfile(c.profile, plugins));
    if (!ignoredKnobs.length) continue;
    const entry = byProfile.get(c.profile) ?? { knobs: new Set(), workloads: new Set() };
    for (const k of ignoredKnobs) entry.knobs.add(k);
    entry.workloads.add(c.workload);
    byProfile.set(c.profile, entry);
  }
  return [...byProfile].map(
    ([p, e]) =>
      `${p} has no ${[...e.knobs].sort().join(", ")}; ignored where ${[...e.workloads].join(", ")} set them`,
  );
}

async function check(a: Args, io: BenchIo, log: (l: string) => void): Promise<number> {
  const w = getWorkload(a.positional[0] ?? usage("check needs a workload name (see list)"));
  const params = resolveParams(w, { ...paramFlags(a).get(""), ...paramFlags(a).get(w.name) });
  const seed = intFlag(a, "seed", 1, 0, 2 ** 32 - 1);
  const scenario = parseScenario(JSON.parse(JSON.stringify(w.generate(params, seed))), validateKnob);
  const captured = scenario.processes.some((p) =>
    p.regions.some((r) =>
      r.fill?.some(
        (f) => typeof f.content === "object" && !("pattern" in f.content || "sequence" in f.content),
      ),
    ),
  );
  if (captured)
    usage(
      `check ${w.name}: its pages are captured contents, which the kernel oracle cannot write; compare it on the kernel with tools/capture-oracle/replay-check.mjs`,
    );
  const why = oracleUnavailable();
  if (why) {
    io.err.write(`ksm-bench: check needs the kernel oracle: ${why}\n`);
    return 3;
  }
  let run = await runOracle(scenario, { log });
  for (let retry = 1; run.disturbed?.startsWith("another KSM user") && retry < 3; retry++) {
    log(`bench: the kernel run was disturbed (${run.disturbed}); again`);
    run = await runOracle(scenario, { log });
  }
  const sim = [...simulate(scenario, await buildSimulation({}))];
  const diffs = run.records.map((k, i) => (i < sim.length ? firstDifference(k, sim[i]) : "no such record"));
  const bad = diffs.findIndex((d) => d !== null);
  const key = `${w.name} seed ${seed}`;
  if (bad < 0 && sim.length === run.records.length) {
    io.out(
      `${key}: the simulator printed the kernel's ${sim.length} records (ksmd ${run.ksmdCpuSeconds.toFixed(2)} s CPU)\n`,
    );
    return 0;
  }
  io.out(
    `${key}: record ${bad < 0 ? sim.length : bad} differs: ${bad < 0 ? "record count" : diffs[bad]}${run.disturbed ? ` (kernel run disturbed: ${run.disturbed})` : ""}\n`,
  );
  return 1;
}

function speedText(r: Awaited<ReturnType<typeof runSpeed>>): string {
  const lines = [`${r.scenario}: measure to pages_sharing ${r.target}`];
  const c = (x: { counters: { pages_shared: number; pages_sharing: number; full_scans: number } }) =>
    `pages_shared ${x.counters.pages_shared} pages_sharing ${x.counters.pages_sharing} full_scans ${x.counters.full_scans}`;
  if ("skipped" in r.kernel) lines.push(`kernel:    skipped: ${r.kernel.skipped}`);
  else
    for (const k of r.kernel)
      lines.push(
        `kernel:    ${k.seconds.toFixed(3)} s (ksmd CPU ${k.ksmdCpuSeconds.toFixed(2)} s over the run) ${c(k)}${k.disturbed ? ` [disturbed: ${k.disturbed}]` : ""}`,
      );
  for (const [i, s] of r.sim.entries())
    lines.push(
      `simulator: ${s.seconds.toFixed(3)} s (${s.totalSeconds.toFixed(3)} s with setup${i === 0 ? ", cold" : ""}) ${c(s)}${s.disturbed ? ` [disturbed: ${s.disturbed}]` : ""}`,
    );
  lines.push(
    `median:    kernel ${r.kernelSeconds === null ? "–" : `${r.kernelSeconds.toFixed(3)} s`}, simulator ${r.simSeconds.toFixed(3)} s (over the undisturbed runs)`,
  );
  if (r.ratio !== null)
    lines.push(
      `ratio:     simulator / kernel = ${r.ratio.toFixed(3)} (target <= 0.333: ${r.ratio <= 1 / 3 ? "met" : "NOT met"})`,
    );
  if (r.difference !== undefined)
    lines.push(
      `records:   ${r.difference === null ? "the simulator's record is the kernel's (every counter and ksm_stat; full_scans aside: the oracle stops ksmd only after the scan that reached the target)" : `differ: ${r.difference}`}`,
    );
  return `${lines.join("\n")}\n`;
}

/** `text` as a whole number above 0, else a usage error naming `where`. */
/** `--sizes` of calibrate and cal-speed: page counts, 65,536 and 131,072 by default. */
function sizesFlag(a: Args): number[] {
  return (listFlag(a, "sizes") ?? ["65536", "131072"]).map((x) => positiveInt(x, "--sizes"));
}

function positiveInt(text: string, where: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0)
    throw new UsageError(`${where}: expected whole numbers above 0, got "${text}"`);
  return n;
}

function calSpeedText(r: Awaited<ReturnType<typeof runCalSpeed>>): string {
  const mode =
    r.pagesToScan === null ? "each full scan in one batch" : `batch mode, pages_to_scan ${r.pagesToScan}`;
  const lines = [`cal-speed: ${r.scans} full scans, ${mode}; simulator = whole ksm-sim process, wall time`];
  if (r.kernelSkipped) lines.push(`kernel: ${r.kernelSkipped}`);
  const table = mdTable(
    [
      "workload",
      "pages",
      "ksmd CPU s",
      "simulator wall s",
      "simulator CPU s",
      "ratio",
      `<= 1/${1 / CAL_SPEED_TARGET}`,
      "records",
      "disturbed",
    ],
    r.rows.map((row) => [
      row.workload,
      row.pages,
      row.kernelCpuSeconds === null ? "–" : row.kernelCpuSeconds.toFixed(2),
      `${row.simWallSeconds.toFixed(3)} (${row.sim.map((s) => s.wallSeconds.toFixed(2)).join(", ")})`,
      median(row.sim.map((s) => s.cpuSeconds)).toFixed(2),
      row.ratio === null ? "–" : row.ratio.toFixed(3),
      row.met === null ? "–" : row.met ? "met" : "NOT met",
      row.difference === undefined
        ? `${row.records}`
        : row.difference === null
          ? "kernel's"
          : `differ: ${row.difference}`,
      [
        row.kernelDisturbed && `kernel: ${row.kernelDisturbed}`,
        ...row.sim.map((s, i) => s.disturbed && `sim ${i + 1}: ${s.disturbed}`),
      ]
        .filter(Boolean)
        .join("; "),
    ]),
    "lrrrrrlll",
  );
  return `${lines.join("\n")}\n${table}`;
}

function scaleText(
  s: Awaited<ReturnType<typeof runScale>> & { busyBefore: string | null },
  c: Awaited<ReturnType<typeof checkScaleOnKernel>> | null,
): string {
  const lines = [
    `scale ${s.guests} x ${s.pagesPerGuest} = ${s.pages.toLocaleString("en-US")} pages (${((s.pages * PAGE_SIZE) / 2 ** 30).toFixed(1)} GiB simulated)`,
    `wall time:      ${s.seconds.toFixed(2)} s (target 10 s: ${s.seconds <= 10 ? "met" : "NOT met"}); other processes took ${s.otherCpuSeconds.toFixed(2)} s of CPU meanwhile${s.busyBefore ? ` [machine busy before the run: ${s.busyBefore}]` : ""}`,
    `CPU time:       ${s.cpuSeconds.toFixed(2)} s (user + system of this process)`,
    `peak RSS:       ${(s.maxRssBytes / 2 ** 20).toFixed(0)} MiB (target 1024 MiB: ${s.maxRssBytes <= 2 ** 30 ? "met" : "NOT met"})`,
    `metadata:       ${s.metadataBytesPerPage === null ? "–" : s.metadataBytesPerPage.toFixed(1)} bytes per page (heap + array buffers held once settled${s.metadataBytesPerPage !== null && s.pages === 2 ** 22 ? `; target 64 at 2^22 pages: ${s.metadataBytesPerPage <= 64 ? "met" : "NOT met"}` : ""})`,
    `throughput:     ${Math.round(s.pagesPerSecond).toLocaleString("en-US")} pages/s mapped; ${Math.round(s.visitsPerSecond).toLocaleString("en-US")} page visits/s${s.visitsEstimated ? " (visits estimated as rmap_items x full scans, an upper bound)" : ""}`,
    `full scans:     ${s.fullScans}`,
    `counters:       pages_shared ${s.counters.pages_shared} pages_sharing ${s.counters.pages_sharing} pages_unshared ${s.counters.pages_unshared} stable_node_dups ${s.counters.stable_node_dups}`,
    `kernel's rules: pages_shared ${s.expected.pages_shared} pages_sharing ${s.expected.pages_sharing}: ${s.matchesExpectation ? "match" : "DIFFER"}`,
  ];
  if (s.fields) {
    lines.push("typed arrays held once settled, bytes per page (capacity):");
    for (const f of s.fields)
      if (f.bytes / s.pages >= 0.05) lines.push(`  ${(f.bytes / s.pages).toFixed(2).padStart(7)}  ${f.path}`);
    const total = s.fields.reduce((n, f) => n + f.bytes, 0);
    lines.push(`  ${(total / s.pages).toFixed(2).padStart(7)}  (all typed arrays)`);
  }
  if (c) {
    const head = `kernel check ${c.guests} x ${c.pagesPerGuest}:`;
    if (c.skipped) lines.push(`${head} skipped: ${c.skipped}`);
    else
      lines.push(
        `${head} kernel pages_shared ${c.kernel?.pages_shared} pages_sharing ${c.kernel?.pages_sharing}; simulator ${c.simulator.pages_shared} / ${c.simulator.pages_sharing}; rules ${c.expected.pages_shared} / ${c.expected.pages_sharing}; records ${c.difference === null ? "identical" : `differ: ${c.difference}`}`,
      );
  }
  return `${lines.join("\n")}\n`;
}

function calibrationText(c: Calibration): string {
  const coef = c.features.map((f) => `${f} ${(c.nsPer[f] ?? 0).toFixed(2)} ns`).join(", ");
  const rows = c.samples.map((s) => [
    s.workload,
    String(s.pages),
    s.kernelCpuSeconds.toFixed(2),
    s.predictedSeconds === null ? "–" : s.predictedSeconds.toFixed(2),
    String(s.kernelPagesScanned ?? "–"),
    String(s.features.pages_scanned ?? "–"),
    s.recordsMatch ? "yes" : "NO",
    s.disturbed ?? "",
  ]);
  return `${c.provisional ? "PROVISIONAL " : ""}cost model: ${coef}\n\n${mdTable(
    [
      "workload",
      "pages",
      "ksmd CPU s",
      "model s",
      "kernel pages_scanned",
      "sim pages_scanned",
      "records match",
      "disturbed",
    ],
    rows,
    "lrrrrrll",
  )}`;
}

function listText(loaded: readonly KsmPlugin[]): string {
  const lines = ["Workloads (parameters with defaults):"];
  for (const w of WORKLOADS) {
    lines.push(`  ${w.name}: ${w.description}`);
    for (const [k, v] of Object.entries(w.defaults)) lines.push(`      ${k} = ${v}  ${w.docs[k] ?? ""}`);
  }
  const l = listPolicies(loaded);
  lines.push("Profiles:", ...l.profiles.map((p) => `  ${p.name}: ${p.description}`), "Policies:");
  for (const [axis, vs] of Object.entries(l.policies))
    for (const v of vs) lines.push(`  ${axis}=${v.name}: ${v.description}`);
  return `${lines.join("\n")}\n`;
}
