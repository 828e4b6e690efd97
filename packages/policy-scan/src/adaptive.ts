import type { PageVisit, ScanPolicy, SkipState } from "@ksm/contracts";

/** Options of {@link adaptiveScan}. */
export interface AdaptiveScanOptions {
  /** Longest interval, in full scans, between two scans of a VMA (default 8). */
  readonly maxInterval?: number;
  /** Share of a VMA's visited pages that must be volatile for its interval to double (default 1/2). */
  readonly volatileShare?: number;
  /** Full scans after which the record of a VMA not met again is dropped (default 64). */
  readonly forgetAfter?: number;
}

/** What the policy knows of one VMA (by mm and start). */
export interface AdaptiveVmaState {
  /** Scan it once every `interval` full scans (1 to maxInterval, a power of two). */
  interval: number;
  /** Full scans still to pass over before the next scan. */
  wait: number;
  /** What was seen in the full scan that last scanned it. */
  seen: number;
  merged: number;
  volatile: number;
  scanning: boolean;
  lastSeqnr: number;
}

const LAST_KSM = 0x80;
const PLAIN_RUN = 0x03;

/**
 * Per-VMA scan rates in the spirit of UKSM (Nai Xia et al., FAST 2018): instead of UKSM's
 * rungs of CPU share, each VMA has an interval, the number of full scans from one scan of it
 * to the next. After a full scan in which a VMA merged pages its interval halves (at least
 * 1); when it merged nothing and most of its visited pages were volatile (written since the
 * previous visit, or still unmerged after the two visits a merge needs) it doubles (at most
 * 8); otherwise it stays. While a VMA waits out its interval, `skipVma` passes over it and
 * its rmap_items are left as they are.
 *
 * What it learns comes from the hooks of the ScanPolicy contract: `skipVma` says which VMA
 * the cursor is in; `skipPage` sees each page with whether it is a KSM page, and remembers
 * per rmap_item what it saw last (a page that turned KSM since merged; one that stopped being
 * KSM was written, a COW break; one plain for three visits running failed to merge). An
 * item's `age` (visits, as smart scan counts them) tells a fresh item from an old one.
 * Pages are never skipped one by one: its `skipPage` (which only observes) replaces the
 * kernel's smart scan, whatever the `smart_scan` knob says.
 */
export class AdaptiveScan implements ScanPolicy {
  readonly name = "adaptive";
  private readonly maxInterval: number;
  private readonly volatileShare: number;
  private readonly forgetAfter: number;
  private readonly vmas = new Map<string, AdaptiveVmaState>();
  private current: AdaptiveVmaState | undefined;
  /** Per rmap_item: LAST_KSM if it was a KSM page at its last visit, else the run of plain visits (≤ 3). */
  private track = new Uint8Array(1024);

  constructor(opts: AdaptiveScanOptions = {}) {
    this.maxInterval = Math.max(1, opts.maxInterval ?? 8);
    this.volatileShare = opts.volatileShare ?? 0.5;
    this.forgetAfter = opts.forgetAfter ?? 64;
  }

  /** The state of a VMA, if the policy has met it. */
  vma(mm: number, vmaStart: number): Readonly<AdaptiveVmaState> | undefined {
    return this.vmas.get(`${mm}:${vmaStart}`);
  }

  startFullScan(seqnr: number, _mms: number[]): void {
    this.current = undefined;
    for (const [key, v] of this.vmas) {
      if (v.scanning) {
        v.scanning = false;
        if (v.merged > 0) v.interval = Math.max(1, v.interval >> 1);
        else if (v.seen > 0 && v.volatile >= v.seen * this.volatileShare)
          v.interval = Math.min(this.maxInterval, v.interval * 2);
        v.wait = v.interval - 1;
      } else if (seqnr - v.lastSeqnr > this.forgetAfter) this.vmas.delete(key);
    }
  }

  skipVma(mm: number, vmaStart: number, seqnr: number): boolean {
    const key = `${mm}:${vmaStart}`;
    let v = this.vmas.get(key);
    if (!v) {
      v = {
        interval: 1,
        wait: 0,
        seen: 0,
        merged: 0,
        volatile: 0,
        scanning: false,
        lastSeqnr: seqnr,
      };
      this.vmas.set(key, v);
    }
    v.lastSeqnr = seqnr;
    if (v.wait > 0) {
      v.wait--;
      this.current = undefined;
      return true;
    }
    v.scanning = true;
    v.seen = 0;
    v.merged = 0;
    v.volatile = 0;
    this.current = v;
    return false;
  }

  skipPage(visit: PageVisit, state: SkipState): boolean {
    const item = visit.item;
    if (item >= this.track.length) {
      const grown = new Uint8Array(Math.max(item + 1, this.track.length * 2));
      grown.set(this.track);
      this.track = grown;
    }
    const fresh = state.age === 0;
    if (state.age !== 255) state.age++;
    const last = fresh ? 0 : this.track[item]!;
    const v = this.current;
    if (visit.ksm) {
      this.track[item] = LAST_KSM;
      if (v && !fresh && !(last & LAST_KSM)) v.merged++;
    } else {
      const run = last & LAST_KSM ? 1 : Math.min(PLAIN_RUN, (last & PLAIN_RUN) + 1);
      this.track[item] = run;
      // written since it was KSM (a COW break), or plain for a third visit running
      if (v && (last & LAST_KSM || run === PLAIN_RUN)) v.volatile++;
    }
    if (v) v.seen++;
    return false;
  }
}

/** Per-VMA scan intervals raised or lowered by observed merges and volatility (in the spirit of UKSM). */
export function adaptiveScan(opts: AdaptiveScanOptions = {}): AdaptiveScan {
  return new AdaptiveScan(opts);
}
