import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type CaptureWorkload, loadCaptureSync } from "@ksm/capture";
import type { Scenario } from "@ksm/scenario";
import { PINNED_KNOBS, timelineSteps } from "./layout.js";
import { intParam, type Workload, type WorkloadParams } from "./types.js";

/** The committed capture, relative to the repository root. */
export const PYTHON_IDLE_CAPTURE = "examples/captures/python-idle-4.cap";

/** The capture read once per thread (a matrix runs many cells of it on each worker). */
let loaded: CaptureWorkload | undefined;

/**
 * The repository's {@link PYTHON_IDLE_CAPTURE}, found from this module's place upwards (the
 * sources and the bundle sit at different depths); an error saying where it looked.
 */
function captureFile(): string {
  const from = dirname(fileURLToPath(import.meta.url));
  for (let dir = from; ; dir = dirname(dir)) {
    const path = join(dir, PYTHON_IDLE_CAPTURE);
    if (existsSync(path)) return path;
    if (dirname(dir) === dir)
      throw new RangeError(
        `workload capture-python-idle needs ${PYTHON_IDLE_CAPTURE} of the ksm-sim repository, found in no directory above ${from}`,
      );
  }
}

/**
 * Real memory: the committed capture `examples/captures/python-idle-4.cap` (4 idle Python
 * processes, `--contents full`) as the scenario's memory, the regions `ksm-sim run` makes of
 * it (every present anonymous page of a VMA KSM would scan, with its captured bytes). A
 * report after each of `scans` full scans. The capture fixes the memory: the seed changes
 * nothing (the matrix runs the seeds once, as one configuration). `useZeroPages` sets the knob of that name (1 by
 * default, as the kernel run recorded in `python-idle-4.kernel.json`).
 */
export const capturePythonIdle: Workload = {
  name: "capture-python-idle",
  description: "a real capture: 4 idle python3 processes (3,812 pages, examples/captures/python-idle-4.cap)",
  defaults: { useZeroPages: 1, scans: 4 },
  docs: {
    useZeroPages: "the use_zero_pages knob (0 or 1)",
    scans: "full scans, each followed by a report",
  },
  generate(p: WorkloadParams): Scenario {
    const scans = intParam(p, "scans", 1);
    const useZeroPages = intParam(p, "useZeroPages", 0);
    if (useZeroPages > 1) throw new RangeError("useZeroPages must be 0 or 1");
    loaded ??= loadCaptureSync(captureFile());
    return {
      name: `capture-python-idle${useZeroPages ? "" : "-nouzp"}`,
      knobs: { ...PINNED_KNOBS, use_zero_pages: useZeroPages },
      processes: loaded.processes,
      steps: timelineSteps(scans),
    };
  },
};
