import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { CellResult, CellSpec } from "../cell.js";
import type { CostModel } from "../cost-model.js";
import { clockTicks, cpuTicks, cpuTicksWithChildren, machineBusyTicks } from "../kernel/procfs.js";
import { distinctRuns } from "../matrix.js";
import { bullmq, parseQueueAddress, runOnQueue } from "../queue.js";
import { startRedisServer } from "../redis-server.js";
import { formatJson } from "../report/json.js";
import { waitIdle } from "./idle.js";

/** One worker count of the scaling table. */
export interface ScalingRow {
  /** Worker processes (one thread each). */
  readonly workers: number;
  /** From putting the cells on the queue to the coordinator holding every result. */
  readonly seconds: number;
  readonly runs: number;
  /** The results equal those of the first row, byte for byte (results.json without wall times). */
  readonly sameResults: boolean;
  /** CPU seconds that processes other than the sweep's (coordinator, workers, redis) took meanwhile. */
  readonly otherCpuSeconds: number;
  /** Why the machine was not idle before the run, if it was not. */
  readonly busyBefore: string | null;
}

/**
 * Times a sweep on a queue with each of `counts` local worker processes (`cli.js worker
 * --workers 1 --until-empty`), each count on a queue of its own: the time from putting the
 * cells on the queue until the coordinator has every result. The Redis server is `redisUrl`
 * (redis://HOST:PORT) or one started for the measurement and stopped after it.
 */
export async function runQueueScaling(opts: {
  cells: readonly CellSpec[];
  model: CostModel | null;
  counts: readonly number[];
  redisUrl?: string;
  quietWaitSeconds: number;
  log: (l: string) => void;
}): Promise<ScalingRow[]> {
  const cli = fileURLToPath(new URL("./cli.js", import.meta.url));
  const own = opts.redisUrl ? null : await startRedisServer();
  const base = opts.redisUrl ?? own!.url;
  const hz = clockTicks();
  const rows: ScalingRow[] = [];
  let first: string | null = null;
  const runs = await distinctRuns(opts.cells, opts.model);
  try {
    for (const n of opts.counts) {
      const url = `${base}/0/scaling-${process.pid}-${Date.now()}-${n}`;
      const address = parseQueueAddress(url);
      const busyBefore = await waitIdle(opts.quietWaitSeconds, opts.log);
      opts.log(`bench: ${runs.specs.length} runs on ${n} worker process${n === 1 ? "" : "es"}…`);
      const busy0 = machineBusyTicks();
      const self0 = cpuTicksWithChildren(process.pid) ?? 0;
      const redis0 = own?.proc.pid ? (cpuTicks(own.proc.pid) ?? 0) : 0;
      const t0 = performance.now();
      const done = runOnQueue(opts.cells, address, { model: opts.model, runs, pollMs: 100 });
      const workers = Array.from({ length: n }, () => {
        const p = spawn(
          process.execPath,
          [cli, "worker", "--queue", url, "--workers", "1", "--until-empty"],
          {
            stdio: ["ignore", "ignore", "pipe"],
          },
        );
        let err = "";
        p.stderr.on("data", (d: Buffer) => {
          err = (err + d).slice(-2000);
        });
        return new Promise<string | null>((r) =>
          p.once("exit", (code) => r(code === 0 ? null : `exit ${code}: ${err}`)),
        );
      });
      const results: CellResult[] = await done;
      const seconds = (performance.now() - t0) / 1000;
      const failures = (await Promise.all(workers)).filter((f) => f !== null);
      if (failures.length) throw new Error(`a worker failed: ${failures[0]}`);
      const self = ((cpuTicksWithChildren(process.pid) ?? 0) - self0) / hz;
      const redis = own?.proc.pid ? ((cpuTicks(own.proc.pid) ?? 0) - redis0) / hz : 0;
      const text = formatJson(results.map(({ wallSeconds: _, ...rest }) => rest));
      first ??= text;
      rows.push({
        workers: n,
        seconds,
        runs: runs.specs.length,
        sameResults: text === first,
        otherCpuSeconds: Math.max(0, (machineBusyTicks() - busy0) / hz - self - redis),
        busyBefore,
      });
      const { Queue } = await bullmq();
      const queue = new Queue(address.name, { connection: { host: address.host, port: address.port } });
      await queue.obliterate({ force: true });
      await queue.close();
    }
  } finally {
    own?.proc.kill();
  }
  return rows;
}
