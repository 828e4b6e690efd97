// The example of README.md ("API"), from "begin" to "end"; readme.test.ts runs it and checks
// that the README shows it verbatim (with "@ksm/bench" for "../src/index.js").
import { listPolicies } from "@ksm/sim";
import { planMatrix, runMatrix, summarise } from "../src/index.js";

export async function example(): Promise<string[]> {
  // begin
  const cells = planMatrix(listPolicies(), {
    workloads: ["zero-heavy"],
    seeds: [1, 2, 3],
    profiles: ["linux-6.18"],
    axes: ["tree", "reclaim"],
    params: { "zero-heavy": { pages: 256, scans: 3 } },
  });
  const results = await runMatrix(cells, { workers: 0, model: null }); // 0: in this thread
  const lines = summarise(results).map((row) => {
    const saved = row.stats.savedMiB; // mean, sd and 95 % CI over the seeds
    const vsDefault = row.diff?.pagesScannedM; // paired by seed; null for the default
    return `${row.variant}: ${saved?.mean.toFixed(2)} MiB saved, ${row.noEffect ? "no effect" : `Δ pages scanned ${vsDefault?.mean ?? 0}`}`;
  });
  // end
  return lines;
}
