import { closeSync, openSync, readSync } from "node:fs";
import type { ContentSpec, FillSpec, ProcessSpec, RegionSpec, Step } from "@ksm/scenario";
import {
  CAPTURE_PAGE_SIZE,
  type CaptureEvent,
  type CaptureHeader,
  type PageRun,
  type VmaInfo,
} from "./format.js";
import { readCapture, readCaptureSync } from "./reader.js";

/** A VMA of the first snapshot and the scenario regions it became (none: not simulated). */
export interface CapturedVma {
  readonly process: string;
  /** `PATH@ADDRESS` of the VMA. */
  readonly name: string;
  /** One region per run of consecutive captured pages. */
  readonly regions: readonly string[];
  readonly vma: VmaInfo;
  /** Why it is not simulated: `vma_ksm_compatible` refuses it, or KSM is on in the process but the VMA lacks VM_MERGEABLE. */
  readonly excluded: string | null;
}

/** The writes of one later snapshot of a trace, and when it was taken. */
export interface TraceStep {
  readonly label: string;
  /** Since the first snapshot, ms. */
  readonly atMs: number;
  readonly steps: readonly Step[];
}

/**
 * A capture as a scenario: one process per captured process (`COMM-PID`), one region per
 * run of consecutive captured pages of a VMA KSM would scan (`PATH@ADDRESS` of the run's
 * first page; no region has a page the capture did not see), filled with the captured
 * contents and MADV_MERGEABLE. The VMAs KSM would scan: in a process already using KSM
 * (merge-any or some VM_MERGEABLE VMA) its VM_MERGEABLE ones, in any other every VMA
 * `vma_ksm_compatible` accepts (what PR_SET_MEMORY_MERGE would mark). Later snapshots
 * become write steps between full scans.
 */
export interface CaptureWorkload {
  readonly header: CaptureHeader;
  /** Scenario processes (plain JSON, for parseScenario). */
  readonly processes: readonly ProcessSpec[];
  /** `[scan, report snapshot-0, writes, scan, report snapshot-1, …,] settle, report settled`. */
  readonly steps: readonly Step[];
  /** Every VMA of the first snapshot. */
  readonly vmas: readonly CapturedVma[];
  /** The VMA (`PATH@ADDRESS`) each region (`PROCESS\0REGION`) was cut from. */
  readonly vmaOfRegion: ReadonlyMap<string, string>;
  /** Snapshots after the first, as writes. */
  readonly trace: readonly TraceStep[];
  /** Pages of later snapshots outside the first snapshot's regions (not replayed). */
  readonly dropped: number;
}

/** Whether `path` starts with the capture magic. */
export function isCaptureFile(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return false;
  }
  const b = Buffer.alloc(8);
  const n = readSync(fd, b, 0, 8, 0);
  closeSync(fd);
  return n === 8 && b.toString("latin1") === "KSMCAPT\n";
}

interface RegionState {
  readonly process: string;
  readonly name: string;
  /** Page index in the VMA of the region's first page. */
  readonly from: number;
  /** Content of each page of the region. */
  readonly pages: ContentSpec[];
}

/** Reads a capture into a {@link CaptureWorkload}; throws CaptureError for a bad file. */
export async function loadCapture(path: string): Promise<CaptureWorkload> {
  const build = workloadBuilder();
  for await (const e of readCapture(path)) build.add(e);
  return build.finish();
}

/**
 * {@link loadCapture} without awaiting (for a workload generator, which is synchronous and
 * may run in a worker thread), through {@link readCaptureSync}.
 */
export function loadCaptureSync(path: string): CaptureWorkload {
  const build = workloadBuilder();
  for (const e of readCaptureSync(path)) build.add(e);
  return build.finish();
}

/** Turns a capture's events, in file order, into its {@link CaptureWorkload}. */
function workloadBuilder(): { add(e: CaptureEvent): void; finish(): CaptureWorkload } {
  let header: CaptureHeader | undefined;
  const specs = new Map<number | string, ContentSpec>();
  const vmas: CapturedVma[] = [];
  const trace: TraceStep[] = [];
  const regions = new Map<string, RegionState[]>(); // runs, by `name vmaStart`
  const vmaOfRegion = new Map<string, string>();
  const firstSnapshot: {
    name: string;
    ksmOn: boolean;
    vmas: { vma: VmaInfo; pages: Map<number, ContentSpec> }[];
  }[] = [];
  let snapshot = -1;
  let t0 = 0;
  let proc = "";
  let vma: VmaInfo | undefined;
  let current: Map<number, ContentSpec> | undefined;
  let writes: Step[] = [];
  let dropped = 0;
  let processes: ProcessSpec[] = [];

  const specOf = (run: PageRun, i: number): ContentSpec => {
    if (run.ids) {
      const id = run.ids[i]!;
      return id === 0 ? "zero" : specs.get(id)!;
    }
    const h = run.hashes!;
    if ((h[i * 4]! | h[i * 4 + 1]! | h[i * 4 + 2]! | h[i * 4 + 3]!) === 0) return "zero";
    let key = "";
    for (let w = 0; w < 4; w++) key += h[i * 4 + w]!.toString(16).padStart(8, "0");
    const spec = specs.get(key) ?? { hash: key };
    specs.set(key, spec);
    return spec;
  };
  const endSnapshot = () => {
    if (snapshot > 0) trace[trace.length - 1] = { ...trace[trace.length - 1]!, steps: writes };
  };

  const buildFirst = () => {
    processes = firstSnapshot.map((p) => {
      const specsOut: RegionSpec[] = [];
      for (const { vma: v, pages } of p.vmas) {
        const keys = [...pages.keys()];
        // a process already using KSM merges its VM_MERGEABLE VMAs only (e.g. not the stack
        // exec set up before a merge-any process ran); one that is not would get them all
        const excluded =
          v.unmergeable ??
          (p.ksmOn && !v.vmFlags.includes("mg") ? "not VM_MERGEABLE (KSM is on in the process)" : null);
        if (excluded !== null || keys.length === 0) {
          const name = `${v.path || "anon"}@${(v.start * CAPTURE_PAGE_SIZE).toString(16)}`;
          vmas.push({ process: p.name, name, regions: [], vma: v, excluded });
          continue;
        }
        const vmaName = `${v.path || "anon"}@${(v.start * CAPTURE_PAGE_SIZE).toString(16)}`;
        const runs: RegionState[] = [];
        for (const [k, spec] of pages) {
          let r = runs.at(-1);
          if (!r || r.from + r.pages.length !== k) {
            r = {
              process: p.name,
              name: `${v.path || "anon"}@${((v.start + k) * CAPTURE_PAGE_SIZE).toString(16)}`,
              from: k,
              pages: [],
            };
            runs.push(r);
          }
          r.pages.push(spec);
        }
        for (const r of runs) {
          const fill: FillSpec[] = [];
          for (const [i, spec] of r.pages.entries()) {
            const last = fill.at(-1);
            if (last && last.content === spec) (last.range as [number, number])[1]++;
            else fill.push({ range: [i, i + 1], content: spec });
          }
          specsOut.push({ name: r.name, pages: r.pages.length, fill });
          vmaOfRegion.set(`${p.name}\0${r.name}`, vmaName);
        }
        regions.set(`${p.name} ${v.start}`, runs);
        vmas.push({
          process: p.name,
          name: vmaName,
          regions: runs.map((r) => r.name),
          vma: v,
          excluded: null,
        });
      }
      // the machine maps top-down: map the highest VMA first so the scan meets them in address order
      // MADV_MERGEABLE region by region (PR_SET_MEMORY_MERGE would mark the excluded ones too)
      return { name: p.name, regions: specsOut.reverse() };
    });
  };

  const add = (e: CaptureEvent): void => {
    switch (e.kind) {
      case "header":
        header = e.header;
        break;
      case "snapshot":
        endSnapshot();
        if (e.snapshot.index === 1) buildFirst();
        snapshot = e.snapshot.index;
        if (snapshot === 0) t0 = e.snapshot.time;
        else trace.push({ label: e.snapshot.label, atMs: e.snapshot.time - t0, steps: [] });
        writes = [];
        break;
      case "process":
        proc = `${e.process.comm}-${e.process.pid}`;
        if (snapshot === 0) {
          firstSnapshot.push({ name: proc, ksmOn: e.process.mergeAny === true, vmas: [] });
        }
        break;
      case "vma":
        vma = e.vma;
        current = undefined;
        if (snapshot === 0) {
          current = new Map();
          const p = firstSnapshot.at(-1)!;
          p.vmas.push({ vma, pages: current });
          if (vma.vmFlags.includes("mg")) p.ksmOn = true;
        }
        break;
      case "content":
        specs.set(e.id, { bytes: Buffer.from(e.bytes).toString("base64") });
        break;
      case "pages": {
        const run = e.run;
        if (current) {
          for (let i = 0; i < run.count; i++) current.set(run.first + i, specOf(run, i));
          break;
        }
        // a later snapshot: pages that changed become writes
        const runs = regions.get(`${proc} ${vma!.start}`) ?? [];
        let at = 0;
        for (let i = 0; i < run.count; i++) {
          const page = run.first + i;
          while (at < runs.length && runs[at]!.from + runs[at]!.pages.length <= page) at++;
          const r = runs[at];
          const k = page - (r?.from ?? 0);
          if (!r || k < 0) {
            dropped++; // a page where the first snapshot had none: no region holds it
            continue;
          }
          const spec = specOf(run, i);
          if (r.pages[k] === spec) continue;
          r.pages[k] = spec;
          const last = writes.at(-1);
          if (
            last?.op === "write" &&
            last.process === r.process &&
            last.region === r.name &&
            last.range![1] === k &&
            last.content === spec
          )
            (last.range as [number, number])[1] = k + 1;
          else
            writes.push({
              op: "write",
              process: r.process,
              region: r.name,
              range: [k, k + 1],
              content: spec,
            });
        }
        break;
      }
      case "end":
        endSnapshot();
        if (snapshot === 0) buildFirst();
        break;
    }
  };

  const finish = (): CaptureWorkload => {
    const steps: Step[] = [];
    if (trace.length > 0) {
      steps.push({ op: "scan", fullScans: 1 }, { op: "report", label: "snapshot-0" });
      for (const t of trace)
        steps.push(...t.steps, { op: "scan", fullScans: 1 }, { op: "report", label: t.label });
    }
    steps.push({ op: "settle" }, { op: "report", label: "settled" });
    return { header: header!, processes, steps, vmas, vmaOfRegion, trace, dropped };
  };
  return { add, finish };
}
