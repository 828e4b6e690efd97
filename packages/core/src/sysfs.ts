import type { KsmProfile } from "@ksm/contracts";
import { EBUSY, EINVAL, type Errno, PAGE_SIZE } from "@ksm/mm";
import { DEFAULT_KNOBS, type KnobName, type Knobs, parseKnob } from "./knobs.js";

/** `sizeof(struct ksm_rmap_item)` on 64-bit Linux: what profit accounting charges per item. */
export const RMAP_ITEM_SIZE = 64;
/** `run` bit: ksmd merges (`KSM_RUN_MERGE`). */
export const RUN_MERGE = 1;
/** `run` bit: unmerge everything and stop (`KSM_RUN_UNMERGE`). */
export const RUN_UNMERGE = 2;

/** The global counters of /sys/kernel/mm/ksm. */
export interface KsmCounters {
  pages_shared: number;
  pages_sharing: number;
  pages_unshared: number;
  pages_volatile: number;
  pages_scanned: number;
  pages_skipped: number;
  full_scans: number;
  stable_node_chains: number;
  stable_node_dups: number;
  ksm_zero_pages: number;
  general_profit: number;
}

/**
 * What a knob write does beyond storing the value: the parts other concepts own, wired by
 * the `Ksm` facade.
 */
export interface KnobEffects {
  /** `run` gained the unmerge bit: `unmerge_and_remove_all_rmap_items`. */
  unmergeAll(): void;
  /** `remove_all_stable_nodes`: 0, or EBUSY while some KSM page is still mapped. */
  removeAllStableNodes(): Errno;
  /** `advisor_mode` changed: the advisor starts afresh. */
  resetAdvisor(): void;
}

/**
 * /sys/kernel/mm/ksm as one object: the writable knobs, with the kernel's rules for storing
 * them (`*_store` in `mm/ksm.c`), and the counters the other concepts keep up to date
 * (`ksm_pages_shared`, `ksm_scan.seqnr`, …), read as {@link KsmCounters}.
 */
export class KsmSysfs {
  /** The knobs' current values. */
  readonly knobs: Knobs = { ...DEFAULT_KNOBS };
  /** `ksm_pages_shared`: stable nodes with at least one rmap_item. */
  pagesShared = 0;
  /** `ksm_pages_sharing`: rmap_items of stable nodes beyond each node's first. */
  pagesSharing = 0;
  /** `ksm_pages_unshared`: rmap_items in the unstable tree. */
  pagesUnshared = 0;
  /** `ksm_pages_scanned`. */
  pagesScanned = 0;
  /** `ksm_pages_skipped` (smart scan). */
  pagesSkipped = 0;
  /** `ksm_stable_node_chains`. */
  chains = 0;
  /** `ksm_stable_node_dups`. */
  dups = 0;
  /** `ksm_zero_pages`: zero pages KSM mapped in place of zero-filled pages. */
  zeroPages = 0;
  /** `ksm_scan.seqnr`: full scans completed (`full_scans`; its low 8 bits age the unstable tree). */
  seqnr = 0;

  /** `profile`: which knobs this kernel era has. */
  constructor(readonly profile: KsmProfile) {}

  /** Whether this kernel era has the knob (a profile can lack some, e.g. smart_scan before 6.7). */
  hasKnob(name: KnobName): boolean {
    return this.profile.knobs[name] !== null;
  }

  /**
   * Writes a knob as `echo value > /sys/kernel/mm/ksm/NAME` would: 0 on success, or the
   * kernel's negative errno (EINVAL for a refused value or a knob this era lacks, EBUSY
   * while pages are shared).
   */
  writeKnob(name: KnobName, raw: unknown, effects: KnobEffects): Errno {
    const v = parseKnob(name, raw);
    if (typeof v === "object" || !this.hasKnob(name)) return EINVAL;
    const k = this.knobs;
    switch (name) {
      case "run": {
        if (k.run !== v) {
          k.run = v as number;
          if (k.run & RUN_UNMERGE) effects.unmergeAll();
        }
        return 0;
      }
      case "pages_to_scan":
        if (k.advisor_mode !== "none") return EINVAL;
        k.pages_to_scan = v as number;
        return 0;
      case "max_page_sharing":
        if (k.max_page_sharing === v) return 0;
        if (this.pagesShared || effects.removeAllStableNodes()) return EBUSY;
        k.max_page_sharing = v as number;
        return 0;
      case "merge_across_nodes":
        if (k.merge_across_nodes === v) return 0;
        if (this.pagesShared || effects.removeAllStableNodes()) return EBUSY;
        k.merge_across_nodes = v as number;
        return 0;
      case "advisor_mode":
        if (k.advisor_mode !== v) {
          k.advisor_mode = v as Knobs["advisor_mode"];
          k.pages_to_scan = v === "scan-time" ? k.advisor_min_pages_to_scan : DEFAULT_KNOBS.pages_to_scan;
          effects.resetAdvisor();
        }
        return 0;
      default:
        (k as unknown as Record<string, number>)[name] = v as number;
        return 0;
    }
  }

  /** The counters as /sys/kernel/mm/ksm shows them, with `rmapItems` live rmap_items. */
  counters(rmapItems: number): KsmCounters {
    return {
      pages_shared: this.pagesShared,
      pages_sharing: this.pagesSharing,
      pages_unshared: this.pagesUnshared,
      pages_volatile: Math.max(0, rmapItems - this.pagesShared - this.pagesSharing - this.pagesUnshared),
      pages_scanned: this.pagesScanned,
      pages_skipped: this.pagesSkipped,
      full_scans: this.seqnr,
      stable_node_chains: this.chains,
      stable_node_dups: this.dups,
      ksm_zero_pages: this.zeroPages,
      general_profit: (this.pagesSharing + this.zeroPages) * PAGE_SIZE - rmapItems * RMAP_ITEM_SIZE,
    };
  }
}
