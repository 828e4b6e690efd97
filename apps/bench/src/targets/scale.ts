import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { parseScenario, type Scenario } from "@ksm/scenario";
import { buildSimulation, firstDifference, type ReportRecord, simulate, validateKnob } from "@ksm/sim";
import { recordCost } from "../cost.js";
import { oracleUnavailable, runOracle } from "../kernel/oracle.js";
import { clockTicks, machineBusyTicks } from "../kernel/procfs.js";
import { expectScale, type ScaleExpectation, scaleGuests } from "../workloads/index.js";
import { type HeldField, heldFields } from "./breakdown.js";

/** The scale target's measurement of the simulator. */
export interface ScaleRun {
  readonly guests: number;
  readonly pagesPerGuest: number;
  /** Pages mapped (guests × pages). */
  readonly pages: number;
  /** Wall time of the whole simulation (setup, settle, report), seconds. */
  readonly seconds: number;
  /** CPU time (user + system) this process took for it, seconds (steadier than wall on a busy machine). */
  readonly cpuSeconds: number;
  /** Peak resident set of this process (process.resourceUsage().maxRSS), bytes. */
  readonly maxRssBytes: number;
  /** Heap and array buffers held by the simulation once settled (after a GC), per mapped page. */
  readonly metadataBytesPerPage: number | null;
  /** Mapped pages per second of wall time. */
  readonly pagesPerSecond: number;
  /** Page visits (cost pages_scanned, else rmap_items × full scans, an upper bound) per second. */
  readonly visitsPerSecond: number;
  readonly visitsEstimated: boolean;
  readonly fullScans: number;
  readonly counters: ReportRecord["counters"];
  readonly expected: ScaleExpectation;
  /** Whether pages_shared and pages_sharing are the kernel's (as derived by expectScale). */
  readonly matchesExpectation: boolean;
  /** CPU seconds other processes took during the run (a timing with much of it is disturbed). */
  readonly otherCpuSeconds: number;
  /** With `breakdown`: the typed arrays of the settled simulation, field by field. */
  readonly fields?: readonly HeldField[];
}

/** The scaled-down check on the real kernel. */
export interface ScaleKernelCheck {
  readonly guests: number;
  readonly pagesPerGuest: number;
  readonly kernel: ReportRecord["counters"] | null;
  readonly simulator: ReportRecord["counters"];
  readonly expected: ScaleExpectation;
  /** null when every record is the kernel's, else the first difference. */
  readonly difference: string | null;
  readonly skipped?: string;
}

/** A size of the scale workload: `guests` × `pages`, and its scenario. */
export interface ScaleSize {
  readonly guests: number;
  readonly pages: number;
  readonly scenario: Scenario;
}

/**
 * The scale workload at `guests` × `pages`, validated (a RangeError names the parameter),
 * so that a command checks its sizes before it waits for an idle machine or runs anything.
 */
export function scaleSize(guests: number, pages: number): ScaleSize {
  const scenario = parseScenario(
    JSON.parse(JSON.stringify(scaleGuests.generate({ guests, pages }, 0))),
    validateKnob,
  );
  return { guests, pages, scenario };
}

function gcFunction(): (() => void) | null {
  try {
    setFlagsFromString("--expose-gc");
    return runInNewContext("gc") as () => void;
  } catch {
    return null;
  }
}

function heldBytes(gc: (() => void) | null): number {
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/**
 * Runs the scale workload on the simulator in this process and measures it: wall time,
 * peak RSS, metadata per page (memory held while the simulation is alive at its last
 * report, minus what was held before it started), throughput, and the counters against
 * the kernel's (derived from its rules).
 */
export async function runScale(size: ScaleSize, breakdown = false): Promise<ScaleRun> {
  const { guests, pages, scenario } = size;
  let fields: HeldField[] | undefined;
  const options = {
    ...(await buildSimulation({})),
    ...(breakdown
      ? {
          onReport: (_: string, s: object) => {
            fields = heldFields({ ...s });
          },
        }
      : {}),
  };
  const gc = gcFunction();
  const before = heldBytes(gc);
  const busy0 = machineBusyTicks();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const gen = simulate(scenario, options);
  let record: ReportRecord | undefined;
  let held: number | null = null;
  let gcMs = 0;
  for (let r = gen.next(); !r.done; r = gen.next()) {
    if ("counters" in r.value) {
      record = r.value;
      // the simulation is alive while the generator is suspended here
      const g0 = performance.now();
      if (gc) held = heldBytes(gc) - before;
      gcMs += performance.now() - g0;
    }
  }
  const seconds = (performance.now() - t0 - gcMs) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6 - gcMs / 1000;
  const otherCpuSeconds = Math.max(
    0,
    (machineBusyTicks() - busy0) / clockTicks() - (cpu.user + cpu.system) / 1e6,
  );
  if (!record) throw new Error("the scale scenario printed no report");
  const total = guests * pages;
  const cost = recordCost(record);
  const rmapItems = Object.values(record.processes).reduce((s, p) => s + p.ksm_rmap_items, 0);
  const visits = cost?.pages_scanned ?? rmapItems * record.fullScans;
  const expected = expectScale(guests, pages);
  return {
    guests,
    pagesPerGuest: pages,
    pages: total,
    seconds,
    cpuSeconds,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    metadataBytesPerPage: held === null ? null : held / total,
    pagesPerSecond: total / seconds,
    visitsPerSecond: visits / seconds,
    visitsEstimated: cost?.pages_scanned === undefined,
    fullScans: record.fullScans,
    counters: record.counters,
    expected,
    matchesExpectation:
      record.counters.pages_shared === expected.pages_shared &&
      record.counters.pages_sharing === expected.pages_sharing,
    otherCpuSeconds,
    ...(fields ? { fields } : {}),
  };
}

/** Runs a scaled-down scale workload on the kernel oracle and the simulator and compares them. */
export async function checkScaleOnKernel(
  size: ScaleSize,
  log: (l: string) => void,
  quietWaitSeconds = 120,
): Promise<ScaleKernelCheck> {
  const { guests, pages, scenario } = size;
  const options = await buildSimulation({});
  const sim = [...simulate(scenario, options)];
  const simRecord = sim[0] as ReportRecord;
  const expected = expectScale(guests, pages);
  const why = oracleUnavailable();
  if (why)
    return {
      guests,
      pagesPerGuest: pages,
      kernel: null,
      simulator: simRecord.counters,
      expected,
      difference: null,
      skipped: why,
    };
  log(`bench: running scale ${guests}x${pages} on the kernel oracle…`);
  const run = await runOracle(scenario, { log, quietWaitSeconds });
  const kernel = run.records as ReportRecord[];
  const diffs = kernel.map((k, i) => firstDifference(k, sim[i]));
  const difference =
    diffs.find((d) => d !== null) ??
    (kernel.length === sim.length ? null : `records: kernel ${kernel.length}, simulator ${sim.length}`);
  return {
    guests,
    pagesPerGuest: pages,
    kernel: kernel[0]?.counters ?? null,
    simulator: simRecord.counters,
    expected,
    difference,
  };
}
