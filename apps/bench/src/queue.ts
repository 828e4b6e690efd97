import { connect } from "node:net";
import { UsageError } from "./args.js";
import { type CellResult, type CellSpec, cellKey, failedCell, runCell } from "./cell.js";
import type { CostModel } from "./cost-model.js";
import { type DistinctRuns, distinctRuns, fanOut } from "./matrix.js";
import { CellThreads } from "./pool.js";

/** Where a sweep's queue lives: a Redis server, a database on it, and the queue's name. */
export interface QueueAddress {
  readonly host: string;
  readonly port: number;
  readonly db: number;
  readonly username?: string;
  readonly password?: string;
  /** The BullMQ queue's name (default "ksm-bench"). */
  readonly name: string;
}

const QUEUE_FORM =
  "expected redis://[user:password@]HOST:PORT[/DB[/QUEUE]], e.g. redis://127.0.0.1:6379/0/my-study (DB a number, QUEUE letters, digits, - and _)";

/**
 * BullMQ, loaded by the commands that use a queue only: it is most of the CLI's start-up
 * time (about 0.1 s), which every other command would pay.
 */
export function bullmq(): Promise<typeof import("bullmq")> {
  return import("bullmq");
}

/** Parses `redis://[user:password@]HOST:PORT[/DB[/QUEUE]]`; `flag` names the option in errors. */
export function parseQueueAddress(text: string, flag = "--queue"): QueueAddress {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`${flag} "${text}" is not a URL; ${QUEUE_FORM}`);
  }
  if (url.protocol !== "redis:")
    throw new UsageError(`${flag} "${text}": the scheme must be redis:; ${QUEUE_FORM}`);
  if (!url.hostname || !url.port)
    throw new UsageError(`${flag} "${text}" needs a host and a port; ${QUEUE_FORM}`);
  const [db = "0", name = "ksm-bench", ...more] = url.pathname.split("/").filter((x) => x);
  if (!/^\d+$/.test(db) || !/^[\w-]+$/.test(name) || more.length)
    throw new UsageError(
      `${flag} "${text}": the path "${url.pathname}" is not /DB or /DB/QUEUE; ${QUEUE_FORM}`,
    );
  return {
    host: url.hostname,
    port: Number(url.port),
    db: Number(db),
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    name,
  };
}

/**
 * Checks that something listens at the queue's address (a TCP connection within
 * `timeoutMs`), so that a wrong address is one clear error rather than endless reconnects.
 */
export function checkReachable(a: QueueAddress, flag = "--queue", timeoutMs = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: a.host, port: a.port });
    const fail = (why: string) => {
      socket.destroy();
      reject(
        new UsageError(
          `${flag}: cannot connect to ${a.host}:${a.port} (${why}); expected a Redis server there (redis-server --port ${a.port})`,
        ),
      );
    };
    socket.setTimeout(timeoutMs, () => fail(`no answer in ${timeoutMs} ms`));
    socket.once("error", (e: NodeJS.ErrnoException) => fail(e.code ?? e.message));
    socket.once("connect", () => {
      socket.end();
      resolve();
    });
  });
}

function connection(a: QueueAddress) {
  const { name: _, ...rest } = a;
  // workers block on Redis: ioredis must not give up on a command (BullMQ's requirement)
  return { ...rest, maxRetriesPerRequest: null };
}

/** What a job carries: the cell to run and the cost model for its estimate. */
export interface CellJob {
  readonly spec: CellSpec;
  readonly model: CostModel | null;
}

/** The most jobs the coordinator looks up at a time. */
const POLL_BATCH = 256;

/** The job id of a distinct run: its content key (BullMQ refuses ids that are integers). */
export function jobId(configKey: string): string {
  return `cell-${configKey}`;
}

/** How the coordinator runs. */
export interface QueueRunOptions {
  readonly model: CostModel | null;
  /** Called as each distinct run's result arrives (finished earlier or now), with its first cell's result. */
  readonly onResult?: (r: CellResult) => void;
  readonly runs?: DistinctRuns;
  /** How often to look for finished jobs, ms (default 250). */
  readonly pollMs?: number;
  /** Stops waiting (the jobs stay on the queue for a later coordinator). */
  readonly signal?: AbortSignal;
  /** Attempts per job before it counts as failed (default 3). */
  readonly attempts?: number;
}

/**
 * The coordinator of a sweep: puts every distinct run of the cells on the queue (job id =
 * its content key, so a run already there, finished or not, is not added twice), waits for
 * the workers to finish them, and returns every cell's result, sorted by key: the same as
 * runMatrix gives, wall times aside. Jobs that failed earlier are retried; a run whose job
 * fails for good (a worker crashing on it every attempt) is reported as a failed cell.
 * Restarted, it takes the results already on the queue without running anything again.
 */
export async function runOnQueue(
  cells: readonly CellSpec[],
  address: QueueAddress,
  opts: QueueRunOptions,
): Promise<CellResult[]> {
  const runs = opts.runs ?? (await distinctRuns(cells, opts.model));
  const { Queue } = await bullmq();
  const queue = new Queue<CellJob, CellResult>(address.name, { connection: connection(address) });
  try {
    const byKey = new Map<string, CellResult>();
    const own = new Map<CellSpec, CellResult>();
    const pending = new Map<string, CellSpec>();
    for (const [i, spec] of runs.specs.entries()) {
      const k = runs.specKeys[i] ?? null;
      if (k !== null) pending.set(k, spec);
      else {
        // a cell whose configuration does not resolve fails at once: run it here for its error
        const r = await runCell(spec, opts.model);
        own.set(spec, r);
        opts.onResult?.(r);
      }
    }
    const attempts = opts.attempts ?? 3;
    const model = opts.model && { features: opts.model.features, nsPer: opts.model.nsPer };
    for (const k of pending.keys()) {
      const job = await queue.getJob(jobId(k));
      if (job && (await job.getState()) === "failed") await job.retry();
    }
    await queue.addBulk(
      [...pending].map(([k, spec]) => ({
        name: cellKey(spec),
        data: { spec, model },
        opts: { jobId: jobId(k), attempts, removeOnComplete: false, removeOnFail: false },
      })),
    );
    let cursor = 0;
    while (pending.size) {
      if (opts.signal?.aborted)
        throw new Error("the coordinator stopped waiting (its jobs stay on the queue)");
      // at most POLL_BATCH jobs a look, in turn, so that a large sweep does not flood Redis
      const all = [...pending.keys()];
      if (cursor >= all.length) cursor = 0;
      const keys = all.slice(cursor, cursor + POLL_BATCH);
      cursor += POLL_BATCH;
      const jobs = await Promise.all(keys.map((k) => queue.getJob(jobId(k))));
      for (const [i, job] of jobs.entries()) {
        const k = keys[i]!;
        if (!job?.finishedOn) continue;
        const spec = pending.get(k)!;
        // finished: completed with its result, or failed for good (out of attempts, or
        // stalled more often than maxStalledCount)
        const r: CellResult =
          job.returnvalue && typeof job.returnvalue === "object"
            ? job.returnvalue
            : failedCell(
                spec,
                `queue job ${job.id} failed after ${job.attemptsMade} attempts: ${job.failedReason || "no reason given"}`,
              );
        pending.delete(k);
        byKey.set(k, r);
        opts.onResult?.(r);
      }
      if (pending.size) await new Promise((res) => setTimeout(res, opts.pollMs ?? 250));
    }
    return fanOut(cells, runs, byKey, own);
  } finally {
    await queue.close();
  }
}

/** How a worker runs. */
export interface QueueWorkerOptions {
  /**
   * Cells at a time, each on its own thread (0: one at a time in this thread, which then
   * cannot renew its locks during a cell: for tests of short cells only).
   */
  readonly threads: number;
  /**
   * How long a job's lock lasts without renewal, ms (BullMQ's lockDuration, default 30 s):
   * a worker that dies holding a job loses it after this, and another worker's stalled-job
   * check (every lockMs) puts it back on the queue.
   */
  readonly lockMs?: number;
  /**
   * Stop once the queue has had jobs and has none waiting, delayed or active (else run
   * until stopped).
   */
  readonly untilEmpty?: boolean;
  readonly log?: (line: string) => void;
  readonly workerUrl?: URL;
  /** Stops the worker (it finishes the cells it holds). */
  readonly signal?: AbortSignal;
}

/**
 * A worker of a sweep: takes jobs off the queue and runs their cells on worker threads (so
 * that this thread keeps renewing the jobs' locks), returning each result to the queue.
 * Resolves with the number of cells it ran once stopped (signal, or `untilEmpty`).
 */
export async function runQueueWorker(address: QueueAddress, opts: QueueWorkerOptions): Promise<number> {
  const threads = new CellThreads(opts.threads, opts.workerUrl);
  const lockMs = opts.lockMs ?? 30_000;
  let ran = 0;
  const { Queue, Worker } = await bullmq();
  const worker = new Worker<CellJob, CellResult>(
    address.name,
    async (job) => {
      opts.log?.(`worker: started ${job.id} ${job.name} (attempt ${job.attemptsStarted})`);
      const r = await threads.run(job.data.spec, job.data.model);
      ran++;
      opts.log?.(`worker: finished ${job.id} ${job.name} in ${r.wallSeconds.toFixed(2)} s`);
      return r;
    },
    {
      connection: connection(address),
      concurrency: Math.max(1, opts.threads),
      lockDuration: lockMs,
      stalledInterval: lockMs,
      maxStalledCount: 2,
      drainDelay: 1,
    },
  );
  worker.on("error", (e) => opts.log?.(`worker: ${e.message}`));
  await worker.waitUntilReady();
  opts.log?.("worker: ready");
  const counts = opts.untilEmpty ? new Queue(address.name, { connection: connection(address) }) : null;
  try {
    await new Promise<void>((resolve, reject) => {
      opts.signal?.addEventListener("abort", () => resolve(), { once: true });
      if (!counts) return;
      // every second: nothing waiting, delayed or active (a dead worker's job stays active
      // until the stalled-job check puts it back) on a queue that has had jobs (a worker may
      // start before the coordinator) means the sweep is done
      const poll = () =>
        counts.getJobCounts("waiting", "delayed", "active", "completed", "failed").then((c) => {
          const open = (c.waiting ?? 0) + (c.delayed ?? 0) + (c.active ?? 0);
          if (open === 0 && (c.completed ?? 0) + (c.failed ?? 0) > 0) resolve();
          else setTimeout(poll, 1000);
        }, reject);
      setTimeout(poll, 1000);
    });
  } finally {
    await worker.close();
    await counts?.close();
    await threads.close();
  }
  return ran;
}
