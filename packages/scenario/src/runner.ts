import { type Machine, ZERO_CONTENT } from "@ksm/mm";
import { contentSource } from "./contents.js";
import { type RunProcess, type RunRegion, type StepRange, UNMAPPED } from "./run-process.js";
import { stepDef } from "./steps/index.js";
import type { ContentSpec, Range, RegionSpec, Scenario, Step } from "./types.js";

/**
 * Where v2 maps region slot k of a process: the oracle's `0x100000000000 + k × 1 GiB`, as
 * page numbers shifted down so that they fit the model's 31-bit addresses. Order and 2 MiB
 * alignment, all that KSM and THPs see of an address, are the oracle's.
 */
const V2_BASE = 0x4000_0000;
const V2_STRIDE = 1 << 18;

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
  /**
   * `keepContents` (default true): whether regions remember what was written to each page
   * (4 bytes a page), which only {@link verify} reads.
   */
  constructor(
    readonly machine: Machine,
    private readonly opts: { readonly keepContents?: boolean } = {},
  ) {}

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
    return stepDef(step.op).memory;
  }

  /** Runs one memory step (its op's `run` in the step table). */
  step(step: Step): void {
    const def = stepDef(step.op);
    if (!def.memory) throw new Error(`${step.op} is not a memory step`);
    def.run(step, { memory: this });
  }

  /**
   * Reads every mapped page of every live process back without faulting any in (absent
   * pages read as zeros, as the oracle reads through `/proc/self/mem`); returns how many
   * differ from what was last written.
   */
  verify(): number {
    if (this.opts.keepContents === false)
      throw new Error("verify: this ScenarioMemory keeps no contents (keepContents is false)");
    let bad = 0;
    for (const proc of this.processes.values())
      for (const r of proc.regions.values()) {
        const expected = r.expected!;
        for (let i = 0; i < r.pages; i++)
          if (expected[i] !== UNMAPPED && this.machine.peek(proc.mm, r.start + i) !== expected[i]) bad++;
      }
    return bad;
  }

  /** Maps a region (at setup, or an `mmap` step), writes every page of it and madvises it. */
  mapRegion(proc: RunProcess, r: RegionSpec): void {
    const m = this.machine;
    const opts = r.node === undefined ? {} : { node: r.node };
    const vma = this.v2
      ? m.mmapAt(proc.mm, this.nextSlotAddress(proc), r.pages, opts)
      : m.mmap(proc.mm, r.pages, opts);
    const expected = this.opts.keepContents === false ? null : new Uint32Array(r.pages);
    const region: RunRegion = { start: vma.start, pages: r.pages, expected };
    proc.regions.set(r.name, region);
    // MADV_HUGEPAGE before the fill: each aligned 2 MiB is faulted in as one THP
    if (r.hugepage) m.hugepageMadvise(proc.mm, vma.start, vma.end, true);
    const covered = new Uint8Array(r.pages);
    for (const f of r.fill ?? []) {
      const [a, b] = f.range ?? [0, r.pages];
      this.fill({ proc, region, a, b }, f.content);
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

  /** v2: the address of the process's next slot, which this takes (mmap, mremap). */
  nextSlotAddress(proc: RunProcess): number {
    return V2_BASE + proc.nextSlot++ * V2_STRIDE;
  }

  /** Writes `spec`'s contents over the range, and remembers them for {@link verify}. */
  fill({ proc, region, a, b }: StepRange, spec: ContentSpec): void {
    const at = contentSource(this.machine.contents, spec);
    for (let i = a; i < b; i++) {
      const c = at(i - a);
      if (region.expected) region.expected[i] = c;
      this.machine.write(proc.mm, region.start + i, c);
    }
  }

  /** The live process called `name`. */
  process(name: string): RunProcess {
    const p = this.processes.get(name);
    if (!p) throw new Error(`no live process ${name}`);
    return p;
  }

  /** The process, region and [a, b) page range a step names (default the whole region). */
  locate(process: string, regionName: string, range: Range | undefined): StepRange {
    const proc = this.process(process);
    const region = proc.regions.get(regionName);
    if (!region) throw new Error(`${process} has no region ${regionName}`);
    const [a, b] = range ?? [0, region.pages];
    return { proc, region, a, b };
  }
}
