import { type ContentId, type Machine, type Mm, type Vma, ZERO_CONTENT } from "@ksm/mm";
import { expandContent } from "./contents.js";
import type { ContentSpec, ProcessSpec, Range, Scenario, Step } from "./types.js";

/** A region of a simulated process: where it is mapped and what each page must hold. */
export interface RunRegion {
  readonly start: number;
  readonly pages: number;
  /** What was last written to each page (verify checks against it). */
  readonly expected: ContentId[];
}

/** A simulated process. */
export interface RunProcess {
  readonly name: string;
  readonly mm: Mm;
  readonly regions: Map<string, RunRegion>;
}

/**
 * Carries out a scenario's memory on a {@link Machine}: builds the processes (mmap, fill,
 * zeros into every page no fill covers, MADV_MERGEABLE, as the oracle does), and runs the memory steps (write, madvise, fork,
 * exit, munmap, prctl, verify). KSM steps are left to the caller.
 */
export class ScenarioMemory {
  readonly processes = new Map<string, RunProcess>();

  constructor(readonly machine: Machine) {}

  /** Creates every process of the scenario in order. */
  setup(scenario: Scenario): void {
    for (const p of scenario.processes) this.spawn(p);
  }

  /** Whether `step` is a memory step this class runs. */
  static isMemoryStep(step: Step): boolean {
    return ["write", "fill", "madvise", "fork", "exit", "munmap", "prctl", "read"].includes(step.op);
  }

  /** Runs one memory step. */
  step(step: Step): void {
    const m = this.machine;
    switch (step.op) {
      case "write":
      case "fill": {
        const { proc, region, a, b } = this.locate(step.process, step.region, step.range);
        this.fill(proc, region, a, b, step.content);
        return;
      }
      case "madvise": {
        const { proc, region, a, b } = this.locate(step.process, step.region, step.range);
        m.madvise(proc.mm, region.start + a, region.start + b, step.advice);
        return;
      }
      case "fork": {
        const parent = this.proc(step.process);
        const mm = m.fork(parent.mm);
        const regions = new Map<string, RunRegion>();
        for (const [name, r] of parent.regions) regions.set(name, { ...r, expected: [...r.expected] });
        this.processes.set(step.child, { name: step.child, mm, regions });
        return;
      }
      case "exit":
        m.exit(this.proc(step.process).mm);
        this.processes.delete(step.process);
        return;
      case "munmap": {
        const { proc, region } = this.locate(step.process, step.region, undefined);
        m.munmap(proc.mm, region.start, region.start + region.pages);
        proc.regions.delete(step.region);
        return;
      }
      case "prctl":
        m.prctlSetMemoryMerge(this.proc(step.process).mm, step.mergeAny ?? true);
        return;
      case "read": {
        const { proc, region, a, b } = this.locate(step.process, step.region, step.range);
        for (let i = a; i < b; i++) m.read(proc.mm, region.start + i);
        return;
      }
      default:
        throw new Error(`${step.op} is not a memory step`);
    }
  }

  /**
   * Reads every page of every live process back without faulting any in (absent pages read
   * as zeros, as the oracle reads through `/proc/self/mem`); returns how many differ from
   * what was last written.
   */
  verify(): number {
    let bad = 0;
    for (const proc of this.processes.values())
      for (const r of proc.regions.values())
        for (let i = 0; i < r.pages; i++)
          if (this.machine.peek(proc.mm, r.start + i) !== r.expected[i]) bad++;
    return bad;
  }

  private spawn(p: ProcessSpec): void {
    const m = this.machine;
    const mm = m.createMm();
    const proc: RunProcess = { name: p.name, mm, regions: new Map() };
    this.processes.set(p.name, proc);
    if (p.mergeAny) m.prctlSetMemoryMerge(mm, true);
    for (const r of p.regions) {
      const vma: Vma = m.mmap(mm, r.pages, r.node === undefined ? {} : { node: r.node });
      const region: RunRegion = { start: vma.start, pages: r.pages, expected: new Array(r.pages).fill(0) };
      proc.regions.set(r.name, region);
      const covered = new Uint8Array(r.pages);
      for (const f of r.fill ?? []) {
        const [a, b] = f.range ?? [0, r.pages];
        this.fill(proc, region, a, b, f.content);
        covered.fill(1, a, b);
      }
      // Pages no fill covers are touched too (written with zeros, after the fills, as the
      // oracle does): they exist and are mapped whatever a read fault of untouched memory
      // does on a given kernel, so ksmd scans them.
      for (let i = 0; i < r.pages; i++) if (!covered[i]) m.write(mm, vma.start + i, ZERO_CONTENT);
      if (r.mergeable ?? true) m.madvise(mm, vma.start, vma.end, "mergeable");
    }
  }

  private fill(proc: RunProcess, region: RunRegion, a: number, b: number, spec: ContentSpec): void {
    const contents = expandContent(this.machine.contents, spec, b - a);
    for (let i = a; i < b; i++) {
      const c = contents[i - a]!;
      region.expected[i] = c;
      this.machine.write(proc.mm, region.start + i, c);
    }
  }

  private proc(name: string): RunProcess {
    const p = this.processes.get(name);
    if (!p) throw new Error(`no live process ${name}`);
    return p;
  }

  /** The process, region and [a, b) page range a step names. */
  locate(process: string, regionName: string, range: Range | undefined) {
    const proc = this.proc(process);
    const region = proc.regions.get(regionName);
    if (!region) throw new Error(`${process} has no region ${regionName}`);
    const [a, b] = range ?? [0, region.pages];
    return { proc, region, a, b };
  }
}
