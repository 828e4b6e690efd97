import type {
  ChecksumPolicy,
  ContentIndexFactory,
  KsmProfile,
  ReclaimPolicy,
  ScanPolicy,
} from "@ksm/contracts";
import { DEFAULT_KNOBS, isKnobName, type KnobName, Ksm, parseKnob } from "@ksm/core";
import { Machine } from "@ksm/mm";
import { lruReclaim } from "@ksm/policy-reclaim";
import { Rmap } from "@ksm/rmap";
import { runStep, type Scenario, ScenarioMemory, type Step, type StepHost } from "@ksm/scenario";
import { migrateRange, offlineNode, reclaimUntilFree, swapOutRange } from "@ksm/swap";
import { REPORTED_COUNTERS, type ReportRecord, type SimRecord, V2_REPORTED_COUNTERS } from "./records.js";

/** ksmd's sleep while the oracle steps it scan by scan (its GAP_MS). */
const ORACLE_GAP_MS = 100;
/** A measure step gives up after this many full scans without pages_sharing growing. */
const MEASURE_STALL_SCANS = 64;

/** A step failed the way the kernel would refuse it (a knob write returning EBUSY, …). */
export class StepError extends Error {
  constructor(
    readonly stepIndex: number,
    message: string,
  ) {
    super(`step ${stepIndex}: ${message}`);
    this.name = "StepError";
  }
}

/** What a simulation is built from. */
export interface SimulationOptions {
  readonly checksum: ChecksumPolicy;
  readonly index: ContentIndexFactory;
  /** Scan order; none: the kernel's, driven by the smart_scan knob. */
  readonly scan?: ScanPolicy;
  /** Kernel era (default Linux 6.18). */
  readonly profile?: KsmProfile;
  /** Victim choice under `pressure` (default lru). */
  readonly reclaim?: ReclaimPolicy;
  /** False: ksmd walks every full scan, even one that repeats the last exactly (default true: replayed; "checked": replayed, every reused state digest taken again; see `@ksm/core`). */
  readonly replay?: boolean | "checked";
  /** Called at every report step with the live model, before its record is yielded (explain, timelines). */
  readonly onReport?: (label: string, state: SimulationState) => void;
}

/** The live model of a simulation, as {@link SimulationOptions.onReport} sees it. */
export interface SimulationState {
  readonly machine: Machine;
  readonly ksm: Ksm;
  readonly memory: ScenarioMemory;
}

/**
 * Runs a validated scenario on the simulated machine and KSM, yielding the records the
 * oracle would print, one per report / measure / verify step. The harness around KSM is the
 * oracle's own: knobs from the kernel's defaults, `pages_to_scan` large enough for one batch
 * to cover a full scan, ksmd started and stopped around each scan step.
 */
export function* simulate(scenario: Scenario, opts: SimulationOptions): Generator<SimRecord> {
  const total = scenario.processes.reduce((n, p) => n + p.regions.reduce((m, r) => m + r.pages, 0), 0);
  const spec = scenario.machine ?? {};
  const machine = new Machine({
    nodes: spec.nodes ?? 1,
    swapPages: spec.swapPages ?? 0,
    memoryPages: spec.memoryPages ?? total,
    // every page of the scenario's processes gets a frame at setup: room for them at once
    // (the zero page too), rather than growing (and copying) the frame table on the way
    initialFrames: total + 1,
    // only reclaim by policy reads when each frame was allocated
    allocationOrder: scenario.steps.some((s) => s.op === "pressure"),
  });
  const rmap = new Rmap(machine);
  const ksm = new Ksm({
    machine,
    rmap,
    nodes: machine.nodes,
    checksum: opts.checksum,
    index: opts.index,
    ...(opts.scan ? { scan: opts.scan } : {}),
    ...(opts.profile ? { profile: opts.profile } : {}),
    ...(opts.replay === undefined ? {} : { replay: opts.replay }),
  });
  const reclaim = opts.reclaim ?? lruReclaim();
  // what each page should hold is only kept for a verify step to check
  const memory = new ScenarioMemory(machine, { keepContents: scenario.steps.some((s) => s.op === "verify") });
  const knobs: Record<string, unknown> = { ...DEFAULT_KNOBS, ...scenario.knobs };
  const v2 = scenario.version === 2;
  // the oracle's batches: v2 batch mode keeps the scenario's own size; otherwise one batch
  // covers every page, so batches end at full-scan ends
  if (!scenario.batchMode) knobs.pages_to_scan = Math.max(100, 4 * total);
  for (const [k, v] of Object.entries(knobs))
    if (k !== "run" && isKnobName(k) && ksm.hasKnob(k)) ksm.writeKnob(k, v);
  memory.setup(scenario);
  // v2: ksmd runs (run = 1) from the end of setup on, parked between the oracle's batches
  if (v2) ksm.writeKnob("run", 1);

  let fullScans = 0;
  let batches = 0;
  /** v2: `count` batches, walked one by one; none while ksmd's list is empty. */
  const runBatches = (count: number) => {
    for (let done = 0; done < count && ksm.shouldRun(); done++) {
      batches++;
      if (ksm.runBatch()) fullScans++;
    }
  };
  const registered = () => [...memory.processes.values()].some((p) => ksm.stat(p.mm).ksm_mergeable === "yes");
  const scan = (k: number) => {
    if (v2) {
      // whole full scans: ksmd may replay those that repeat the last (see @ksm/core)
      if (!ksm.shouldRun()) return;
      const start = ksm.counters().full_scans;
      batches += ksm.fullScans(k);
      fullScans += ksm.counters().full_scans - start;
      return;
    }
    if (!registered()) return;
    ksm.writeKnob("sleep_millisecs", ORACLE_GAP_MS);
    ksm.writeKnob("run", 1);
    const start = ksm.counters().full_scans;
    ksm.fullScans(k);
    ksm.writeKnob("run", 0);
    fullScans += ksm.counters().full_scans - start;
  };
  const report = (label: string, seconds?: number): ReportRecord => {
    const c = ksm.counters();
    const counters = Object.fromEntries(
      (v2 ? V2_REPORTED_COUNTERS : REPORTED_COUNTERS).map((k) => [k, c[k]]),
    ) as ReportRecord["counters"];
    const processes = Object.fromEntries(
      [...memory.processes].map(([name, p]) => [
        name,
        v2 ? { ...ksm.stat(p.mm), AnonHugePages: machine.anonHugePagesKb(p.mm) } : ksm.stat(p.mm),
      ]),
    );
    const vmstat = { ...machine.vmstat };
    return {
      label,
      fullScans,
      ...(v2 ? { batches } : {}),
      counters,
      processes,
      cost: ksm.cost(),
      vmstat,
      ...(seconds === undefined ? {} : { seconds }),
    };
  };

  const host: StepHost<SimRecord> = {
    memory,
    scan,
    batches: (count) => runBatches(count),
    settle(maxFullScans) {
      let prev = "";
      let same = 0;
      for (let n = 0; n < maxFullScans; n++) {
        scan(1);
        const c = ksm.counters();
        const key = `${c.pages_shared},${c.pages_sharing},${c.pages_unshared},${c.ksm_zero_pages}`;
        same = key === prev ? same + 1 : 0;
        prev = key;
        if (same >= 2) break;
      }
    },
    *report(label) {
      opts.onReport?.(label, { machine, ksm, memory });
      yield report(label);
    },
    knob(knobName, value, i) {
      const name = knobName as KnobName;
      // v2: ksmd's sleeps are the oracle's, and it keeps run at 1 (after run = 2 unmerged)
      if (v2 && name === "sleep_millisecs") return;
      const err = ksm.writeKnob(name, value);
      if (err) throw new StepError(i, `writing ${value} to ${name} failed with ${errnoName(err)}`);
      if (v2 && name === "run") ksm.writeKnob("run", 1);
    },
    *verify(label, i) {
      const bad = memory.verify();
      yield { label, verify: { badPages: bad } };
      if (bad) throw new StepError(i, `${bad} pages lost their content`);
    },
    *measure(step) {
      yield measure(step, ksm, report, (n) => {
        fullScans += n;
      });
    },
    swapout: ({ proc, region, a, b }) =>
      swapOutRange(machine, rmap, proc.mm, region.start + a, region.start + b),
    migrate: ({ proc, region, a, b }, node) =>
      migrateRange(machine, rmap, proc.mm, region.start + a, region.start + b, node),
    pressure: (freePages) => reclaimUntilFree(machine, rmap, reclaim, freePages),
    offline: (node) => offlineNode(machine, rmap, ksm, node),
  };
  for (const [i, step] of scenario.steps.entries()) {
    const records = runStep(step, host, i);
    if (records) yield* records;
  }
}

function measure(
  step: Extract<Step, { op: "measure" }>,
  ksm: Ksm,
  report: (label: string, seconds?: number) => ReportRecord,
  addScans: (n: number) => void,
): ReportRecord {
  ksm.writeKnob("sleep_millisecs", step.sleepMillisecs ?? 0);
  ksm.writeKnob("run", 1);
  const t0 = performance.now();
  const timeoutMs = (step.timeout ?? 600) * 1000;
  const start = ksm.counters().full_scans;
  let best = ksm.counters().pages_sharing;
  let stalled = 0;
  while (ksm.shouldRun() && ksm.counters().pages_sharing < step.pagesSharing) {
    if (ksm.runBatch()) {
      const sharing = ksm.counters().pages_sharing;
      stalled = sharing > best ? 0 : stalled + 1;
      best = Math.max(best, sharing);
      if (stalled >= MEASURE_STALL_SCANS) break;
    }
    if (performance.now() - t0 > timeoutMs) break;
  }
  const seconds = (performance.now() - t0) / 1000;
  ksm.writeKnob("run", 0);
  addScans(ksm.counters().full_scans - start);
  return report(step.label ?? "measure", Math.round(seconds * 1e4) / 1e4);
}

function errnoName(err: number): string {
  return (
    ({ [-22]: "EINVAL", [-16]: "EBUSY", [-12]: "ENOMEM" } as Record<number, string>)[err] ?? `errno ${-err}`
  );
}

/**
 * Validates a knob write for the scenario parser: null if the kernel (of `profile`, default
 * Linux 6.18) would take it, else what it accepts.
 */
export function validateKnob(name: string, value: unknown, profile?: KsmProfile): string | null {
  if (!isKnobName(name)) return `a knob of /sys/kernel/mm/ksm (${Object.keys(DEFAULT_KNOBS).join(", ")})`;
  if (profile && profile.knobs[name] === null) {
    const has = Object.keys(DEFAULT_KNOBS).filter((k) => profile.knobs[k] !== null);
    return `a knob ${profile.name} has (${has.join(", ")})`;
  }
  const v = parseKnob(name, value);
  return typeof v === "object" ? v.error : null;
}
