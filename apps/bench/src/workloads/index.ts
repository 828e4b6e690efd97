import { CALIBRATION_WORKLOADS } from "./calibration.js";
import { capturePythonIdle } from "./capture-python-idle.js";
import { containerFleet } from "./container-fleet.js";
import { nearDuplicate } from "./near-duplicate.js";
import { swapPressure } from "./swap-pressure.js";
import { scaleGuests, speedDup } from "./targets.js";
import { resolveParams, type Workload, type WorkloadParams } from "./types.js";
import { vmConsolidation } from "./vm-consolidation.js";
import { zeroHeavy } from "./zero-heavy.js";

export { CALIBRATION_WORKLOADS } from "./calibration.js";
export { capturePythonIdle, PYTHON_IDLE_CAPTURE } from "./capture-python-idle.js";
export { containerFleet } from "./container-fleet.js";
export { nearDuplicate } from "./near-duplicate.js";
export { swapPressure } from "./swap-pressure.js";
export { expectScale, type ScaleExpectation, scaleGuests, speedDup, speedDupTarget } from "./targets.js";
export { resolveParams, type Workload, type WorkloadParams } from "./types.js";
export { vmConsolidation } from "./vm-consolidation.js";
export { zeroHeavy } from "./zero-heavy.js";

/** The same generator under another name with other defaults (a preset). */
function preset(base: Workload, name: string, description: string, defaults: WorkloadParams): Workload {
  const merged = resolveParams(base, defaults);
  return {
    name,
    description,
    defaults: merged,
    docs: base.docs,
    generate: (p, seed) => ({ ...base.generate(p, seed), name: `${name}-s${seed}` }),
  };
}

/** zero-heavy with use_zero_pages 1. */
export const zeroHeavyUzp = preset(zeroHeavy, "zero-heavy-uzp", "zero-heavy heaps with use_zero_pages 1", {
  useZeroPages: 1,
});

/** swap-pressure with the guests not mergeable: the swap traffic KSM saves. */
export const swapPressureNoKsm = preset(
  swapPressure,
  "swap-pressure-noksm",
  "swap-pressure without merging",
  {
    ksm: 0,
  },
);

/** Every workload by name: the matrix's, the performance targets' and the calibration's. */
export const WORKLOADS: readonly Workload[] = [
  vmConsolidation,
  containerFleet,
  nearDuplicate,
  zeroHeavy,
  zeroHeavyUzp,
  swapPressure,
  swapPressureNoKsm,
  capturePythonIdle,
  speedDup,
  scaleGuests,
  ...CALIBRATION_WORKLOADS,
];

/** The workloads of the default matrix (timeline workloads: a report after every scan), one of them real memory. */
export const MATRIX_WORKLOADS: readonly string[] = [
  "vm-consolidation",
  "container-fleet",
  "near-duplicate",
  "zero-heavy",
  "zero-heavy-uzp",
  "capture-python-idle",
];

/** A workload by name, or an error listing them all. */
export function getWorkload(name: string): Workload {
  const w = WORKLOADS.find((x) => x.name === name);
  if (!w)
    throw new RangeError(
      `unknown workload "${name}"; expected one of ${WORKLOADS.map((x) => x.name).join(", ")}`,
    );
  return w;
}
