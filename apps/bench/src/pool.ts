import { Worker } from "node:worker_threads";
import type { CellResult, CellSpec } from "./cell.js";
import { runCell } from "./cell.js";
import type { CostModel } from "./cost-model.js";

/** How a batch of cells runs. */
export interface PoolOptions {
  /** Worker threads; 0 runs every cell in this thread (tests, debugging). */
  readonly workers: number;
  readonly model: CostModel | null;
  /** Called as each cell finishes (in completion order). */
  readonly onResult?: (result: CellResult) => void;
  /** The worker script (default dist/worker.js beside this module). */
  readonly workerUrl?: URL;
}

interface Task {
  readonly spec: CellSpec;
  readonly model: CostModel | null;
  readonly resolve: (r: CellResult) => void;
  readonly reject: (e: Error) => void;
}

/**
 * A pool of worker threads that run cells, each taking the next waiting cell when it
 * finishes one; with 0 threads, cells run in this thread, one at a time. The thread that
 * runs a cell leaves this thread's event loop free (timers, sockets, a queue's locks).
 */
export class CellThreads {
  private readonly idle: Worker[] = [];
  private readonly all: Worker[] = [];
  private readonly waiting: Task[] = [];
  private inline: Promise<unknown> = Promise.resolve();

  constructor(
    readonly threads: number,
    workerUrl: URL = new URL("./worker.js", import.meta.url),
  ) {
    for (let i = 0; i < threads; i++) {
      const w = new Worker(workerUrl);
      this.all.push(w);
      this.idle.push(w);
    }
  }

  /** Runs one cell on the next free thread. */
  run(spec: CellSpec, model: CostModel | null): Promise<CellResult> {
    if (this.threads <= 0) {
      const next = this.inline.then(() => runCell(spec, model));
      this.inline = next.catch(() => undefined);
      return next;
    }
    return new Promise((resolve, reject) => {
      this.waiting.push({ spec, model, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.idle.length && this.waiting.length) {
      const w = this.idle.pop()!;
      const task = this.waiting.shift()!;
      const done = () => {
        w.off("message", onMessage);
        w.off("error", onError);
        this.idle.push(w);
        this.dispatch();
      };
      const onMessage = (m: { result?: CellResult; error?: string }) => {
        done();
        if (m.error !== undefined || !m.result) task.reject(new Error(`worker failed on a cell: ${m.error}`));
        else task.resolve(m.result);
      };
      const onError = (e: Error) => {
        w.off("message", onMessage);
        task.reject(e);
      };
      w.on("message", onMessage);
      w.on("error", onError);
      w.postMessage({ id: 0, spec: task.spec, model: task.model });
    }
  }

  /** Stops every thread. */
  async close(): Promise<void> {
    await Promise.all(this.all.map((w) => w.terminate()));
  }
}

/**
 * Runs cells on a pool of worker threads (see CellThreads). Results come back in the order
 * of `specs` whatever order they finish in.
 */
export async function runCells(specs: readonly CellSpec[], opts: PoolOptions): Promise<CellResult[]> {
  const pool = new CellThreads(Math.min(opts.workers, specs.length), opts.workerUrl);
  try {
    return await Promise.all(
      specs.map(async (spec) => {
        const r = await pool.run(spec, opts.model);
        opts.onResult?.(r);
        return r;
      }),
    );
  } finally {
    await pool.close();
  }
}
