import { type ContentId, type Machine, type Mm, VM_READ, VM_WRITE, ZERO_CONTENT } from "@ksm/mm";
import { expandContent } from "./contents.js";
import type { ContentSpec, Prot, Range, RegionSpec, Scenario, Step } from "./types.js";

/** `expected` of a page a partial munmap took away. */
export const UNMAPPED = -1;

/**
 * Where v2 maps region slot k of a process: the oracle's `0x100000000000 + k × 1 GiB`, as
 * page numbers shifted down so that they fit the model's 31-bit addresses. Order and 2 MiB
 * alignment, all that KSM and THPs see of an address, are the oracle's.
 */
const V2_BASE = 0x4000_0000;
const V2_STRIDE = 1 << 18;

const PROT_BITS: Readonly<Record<Prot, number>> = { none: 0, read: VM_READ, readwrite: VM_READ | VM_WRITE };

/** A region of a simulated process: where it is mapped and what each page must hold. */
export interface RunRegion {
  /** First page; mremap moves it. */
  start: number;
  readonly pages: number;
  /** What was last written to each page (verify checks against it); {@link UNMAPPED} for holes. */
  readonly expected: ContentId[];
}

/** A simulated process. */
export interface RunProcess {
  readonly name: string;
  readonly mm: Mm;
  readonly regions: Map<string, RunRegion>;
  /** v2: the address slot the next mmap or mremap of this process takes. */
  nextSlot: number;
}

/**
 * Carries out a scenario's memory on a {@link Machine}: builds the processes (mmap, fill,
 * zeros into every page no fill covers, MADV_MERGEABLE, as the oracle does), and runs the
 * memory steps (write, madvise, fork, exit, munmap, prctl, verify; in v2 also dontneed,
 * hugepage, mprotect, mmap, mremap and partial munmap). KSM steps are left to the caller.
 */
export class ScenarioMemory {
  readonly processes = new Map<string, RunProcess>();
  /** v2 layout: regions at fixed address slots, in creation order. */
  private v2 = false;

  constructor(readonly machine: Machine) {}

  /** Creates every process of the scenario in order. */
  setup(scenario: Scenario): void {
    this.v2 = scenario.version === 2;
    for (const p of scenario.processes) {
      const mm = this.machine.createMm();
      const proc: RunProcess = { name: p.name, mm, regions: new Map(), nextSlot: 0 };
      this.processes.set(p.name, proc);
      if (p.mergeAny) this.machine.prctlSetMemoryMerge(mm, true);
      for (const r of p.regions) this.mapRegion(proc, r);
    }
  }

  /** Whether `step` is a memory step this class runs. */
  static isMemoryStep(step: Step): boolean {
    return MEMORY_STEPS.has(step.op);
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
      case "madvise":
      case "dontneed":
      case "hugepage": {
        const { proc, region, a, b } = this.locate(step.process, step.region, step.range);
        const advice = step.op === "madvise" ? step.advice : step.op;
        const s = region.start + a;
        const e = region.start + b;
        if (advice === "dontneed") {
          m.dontneed(proc.mm, s, e);
          for (let i = a; i < b; i++) if (region.expected[i] !== UNMAPPED) region.expected[i] = ZERO_CONTENT;
        } else if (advice === "hugepage" || advice === "nohugepage")
          m.hugepageMadvise(proc.mm, s, e, advice === "hugepage");
        else m.madvise(proc.mm, s, e, advice);
        return;
      }
      case "mprotect": {
        const { proc, region, a, b } = this.locate(step.process, step.region, step.range);
        for (const [x, y] of mappedRuns(region, a, b))
          m.mprotect(proc.mm, region.start + x, region.start + y, PROT_BITS[step.prot]);
        return;
      }
      case "mmap":
        this.mapRegion(this.proc(step.process), { ...step, name: step.region });
        return;
      case "mremap": {
        const { proc, region } = this.locate(step.process, step.region, undefined);
        const to = this.slotAddress(proc.nextSlot++);
        m.mremap(proc.mm, region.start, region.start + region.pages, to);
        region.start = to;
        return;
      }
      case "fork": {
        const parent = this.proc(step.process);
        const mm = m.fork(parent.mm);
        const regions = new Map<string, RunRegion>();
        for (const [name, r] of parent.regions) regions.set(name, { ...r, expected: [...r.expected] });
        this.processes.set(step.child, { name: step.child, mm, regions, nextSlot: parent.nextSlot });
        return;
      }
      case "exit":
        m.exit(this.proc(step.process).mm);
        this.processes.delete(step.process);
        return;
      case "munmap": {
        const { proc, region, a, b } = this.locate(step.process, step.region, step.range);
        m.munmap(proc.mm, region.start + a, region.start + b);
        region.expected.fill(UNMAPPED, a, b);
        if (region.expected.every((c) => c === UNMAPPED)) proc.regions.delete(step.region);
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
   * Reads every mapped page of every live process back without faulting any in (absent
   * pages read as zeros, as the oracle reads through `/proc/self/mem`); returns how many
   * differ from what was last written.
   */
  verify(): number {
    let bad = 0;
    for (const proc of this.processes.values())
      for (const r of proc.regions.values())
        for (let i = 0; i < r.pages; i++)
          if (r.expected[i] !== UNMAPPED && this.machine.peek(proc.mm, r.start + i) !== r.expected[i]) bad++;
    return bad;
  }

  /** Maps a region (at setup, or an `mmap` step), writes every page of it and madvises it. */
  private mapRegion(proc: RunProcess, r: RegionSpec): void {
    const m = this.machine;
    const opts = r.node === undefined ? {} : { node: r.node };
    const vma = this.v2
      ? m.mmapAt(proc.mm, this.slotAddress(proc.nextSlot++), r.pages, opts)
      : m.mmap(proc.mm, r.pages, opts);
    const region: RunRegion = { start: vma.start, pages: r.pages, expected: new Array(r.pages).fill(0) };
    proc.regions.set(r.name, region);
    // MADV_HUGEPAGE before the fill: each aligned 2 MiB is faulted in as one THP
    if (r.hugepage) m.hugepageMadvise(proc.mm, vma.start, vma.end, true);
    const covered = new Uint8Array(r.pages);
    for (const f of r.fill ?? []) {
      const [a, b] = f.range ?? [0, r.pages];
      this.fill(proc, region, a, b, f.content);
      covered.fill(1, a, b);
    }
    // Pages no fill covers are touched too (written with zeros, after the fills, as the
    // oracle does): they exist and are mapped whatever a read fault of untouched memory
    // does on a given kernel, so ksmd scans them.
    for (let i = 0; i < r.pages; i++) if (!covered[i]) m.write(proc.mm, vma.start + i, ZERO_CONTENT);
    // then MADV_NOHUGEPAGE, unless kept: no later fault makes a THP there
    if (r.hugepage && !r.keepHugepage) m.hugepageMadvise(proc.mm, vma.start, vma.end, false);
    if (r.mergeable ?? true) m.madvise(proc.mm, vma.start, vma.end, "mergeable");
  }

  private slotAddress(slot: number): number {
    return V2_BASE + slot * V2_STRIDE;
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

const MEMORY_STEPS: ReadonlySet<string> = new Set([
  "write",
  "fill",
  "madvise",
  "dontneed",
  "hugepage",
  "mprotect",
  "mmap",
  "mremap",
  "fork",
  "exit",
  "munmap",
  "prctl",
  "read",
]);

/** The mapped runs [x, y) of a region inside [a, b). */
function mappedRuns(region: RunRegion, a: number, b: number): [number, number][] {
  const out: [number, number][] = [];
  let x = -1;
  for (let i = a; i <= b; i++) {
    const mapped = i < b && region.expected[i] !== UNMAPPED;
    if (mapped && x < 0) x = i;
    else if (!mapped && x >= 0) {
      out.push([x, i]);
      x = -1;
    }
  }
  return out;
}
