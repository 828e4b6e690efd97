import { type CostCounters, NIL } from "@ksm/contracts";
import { type AdvisorContext, type CpuModel, cpuTimeNs, scanTimeAdvisor } from "./advisor.js";
import type { KsmClock } from "./clock.js";
import { ksmdWakeMs } from "./ksmd-sleep.js";
import type { Merge } from "./merge.js";
import type { MmSlots } from "./mm-slot.js";
import type { KsmScan } from "./scan-cursor.js";
import type { ScanReplay } from "./scan-replay.js";
import type { KsmSysfs } from "./sysfs.js";

/**
 * The ksmd thread (`ksm_scan_thread`, `ksm_do_scan`): batches of `pages_to_scan` pages from
 * the scan cursor through `cmp_and_merge_page`, each batch advancing the simulated clock by
 * its modeled CPU time and then the sleep of `sleep_millisecs` in whole jiffies, to the
 * tick it wakes on (`ksmdWakeMs`, ksmd-sleep.ts); the scan-time advisor retunes
 * `pages_to_scan` at each full scan's end. A full scan that would repeat the previous one
 * exactly is replayed instead of walked (scan-replay.ts): same counters, same clock.
 */
export class Ksmd {
  private readonly advisor: AdvisorContext = { change: 0, scanTime: 0, cpuTime: 0 };
  /** When the full scan under way started, ms (the advisor's scan time). */
  private scanStart = 0;

  constructor(
    private readonly sysfs: KsmSysfs,
    private readonly clock: KsmClock,
    private readonly cpuModel: CpuModel,
    private readonly slots: MmSlots,
    private readonly scan: KsmScan,
    private readonly merge: Merge,
    private readonly spent: CostCounters,
    /** What the simulation spent so far (the CPU model's input). */
    private readonly cost: () => CostCounters,
    /** The kernel's CONFIG_HZ, which ksmd's sleeps are counted in. */
    private readonly hz: number,
    /** Full scans that repeat the previous one are replayed, not walked. */
    private readonly replay: ScanReplay,
  ) {}

  /**
   * One batch (`ksm_do_scan`): up to `pages_to_scan` pages, ending early at the end of a
   * full scan, then the sleep. Returns whether a full scan completed.
   */
  runBatch(): boolean {
    const c = this.sysfs;
    const seq = c.seqnr;
    const before = this.cost();
    let n = c.knobs.pages_to_scan;
    while (n-- > 0) {
      const hit = this.scan.next();
      if (hit.item === NIL) break;
      this.merge.cmpAndMergePage(hit.pfn, hit.item);
      c.pagesScanned++;
      this.spent.pages_scanned++;
    }
    const cpu = cpuTimeNs(this.cpuModel, before, this.cost());
    const ended = c.seqnr !== seq;
    this.replay.batchEnded(ended, cpu);
    this.sleep(cpu, ended);
    return ended;
  }

  /**
   * Runs batches until `count` more full scans completed (or no mm is left); a full scan
   * that repeats the previous one exactly is replayed, batch by batch on the clock.
   * Returns the batches run.
   */
  fullScans(count: number): number {
    const c = this.sysfs;
    const target = c.seqnr + count;
    let batches = 0;
    while (c.seqnr < target && this.slots.any) {
      const cpus = this.scan.atFullScanStart ? this.replay.replayFullScan(this.wakeAfter) : null;
      if (cpus === null) {
        this.runBatch();
        batches++;
        continue;
      }
      this.startFullScan();
      for (let i = 0; i < cpus.length; i++) this.sleep(cpus[i]!, i === cpus.length - 1);
      batches += cpus.length;
    }
    this.replay.fullScansReturned();
    return batches;
  }

  /** After a batch that took `cpu` ns of modeled CPU: the clock moves on by it, the advisor retunes at a full scan's end, then ksmd sleeps. */
  private sleep(cpu: number, ended: boolean): void {
    const clock = this.clock;
    const k = this.sysfs.knobs;
    clock.cpuNs += cpu;
    clock.now += cpu / 1e6;
    if (ended && k.advisor_mode === "scan-time")
      k.pages_to_scan = scanTimeAdvisor(k, this.advisor, clock.now - this.scanStart, clock.cpuNs);
    clock.now = ksmdWakeMs(clock.now, k.sleep_millisecs, this.hz);
  }

  /** When the next batch starts, after one that started at `t` and took `cpu` ns (no advisor). */
  private readonly wakeAfter = (t: number, cpu: number): number =>
    ksmdWakeMs(t + cpu / 1e6, this.sysfs.knobs.sleep_millisecs, this.hz);

  /** A full scan starts now (the advisor's scan time counts from here). */
  startFullScan(): void {
    this.scanStart = this.clock.now;
  }

  /** `advisor_mode` changed: the advisor starts afresh. */
  resetAdvisor(): void {
    Object.assign(this.advisor, { change: 0, scanTime: 0, cpuTime: 0 });
  }
}
