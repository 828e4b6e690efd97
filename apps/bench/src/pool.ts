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

/**
 * Runs cells on a pool of worker threads, each taking the next cell when it finishes one.
 * Results come back in the order of `specs` whatever order they finish in.
 */
export async function runCells(specs: readonly CellSpec[], opts: PoolOptions): Promise<CellResult[]> {
  const results: CellResult[] = new Array(specs.length);
  if (opts.workers <= 0) {
    for (const [i, spec] of specs.entries()) {
      results[i] = await runCell(spec, opts.model);
      opts.onResult?.(results[i]!);
    }
    return results;
  }
  const url = opts.workerUrl ?? new URL("./worker.js", import.meta.url);
  let next = 0;
  const workers = Array.from({ length: Math.min(opts.workers, specs.length) }, () => new Worker(url));
  try {
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            const send = () => {
              if (next >= specs.length) return resolve();
              const id = next++;
              w.postMessage({ id, spec: specs[id], model: opts.model });
            };
            w.on("message", (m: { id: number; result?: CellResult; error?: string }) => {
              if (m.error !== undefined || !m.result)
                return reject(new Error(`worker failed on a cell: ${m.error}`));
              results[m.id] = m.result;
              opts.onResult?.(m.result);
              send();
            });
            w.on("error", reject);
            send();
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results;
}
