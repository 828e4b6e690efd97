import { parentPort } from "node:worker_threads";
import { type CellSpec, runCell } from "./cell.js";
import type { CostModel } from "./cost-model.js";

/** A job for a matrix worker. */
export interface WorkerJob {
  readonly id: number;
  readonly spec: CellSpec;
  readonly model: CostModel | null;
}

// A matrix worker thread: runs the cells it is sent, one at a time, and posts each result.
parentPort?.on("message", (job: WorkerJob) => {
  runCell(job.spec, job.model).then(
    (result) => parentPort!.postMessage({ id: job.id, result }),
    (e: unknown) => parentPort!.postMessage({ id: job.id, error: e instanceof Error ? e.stack : String(e) }),
  );
});
