import type { KsmProfile, ScanPolicy, SkipState } from "@ksm/contracts";
import { smartScanSkip } from "@ksm/contracts";
import type { FrameTable, Pfn } from "@ksm/mm";
import type { RmapItems } from "./rmap-item.js";
import type { KsmSysfs } from "./sysfs.js";

/**
 * `should_skip_rmap_item`: whether the scan passes over a page this time. A scan policy
 * with a `skipPage` rule decides; otherwise the kernel's smart scan does (`smart_scan`,
 * 6.7+): a page that keeps failing to merge ages, and is skipped more visits the older it
 * is. The rule runs on the item's `age` and `remaining_skips`; a skipped item leaves its
 * tree.
 */
export class SmartScan {
  private readonly state: SkipState = { age: 0, remainingSkips: 0 };
  /** The visit handed to a skip rule, reused (rules must not keep it). */
  private readonly visit = { item: 0, ksm: false };

  constructor(
    private readonly frames: FrameTable,
    private readonly items: RmapItems,
    private readonly sysfs: KsmSysfs,
    private readonly profile: KsmProfile,
    private readonly policy: ScanPolicy | undefined,
    /** `remove_rmap_item_from_tree`, for a skipped item. */
    private readonly removeFromTree: { removeRmapItemFromTree(item: number): void },
  ) {}

  /** Whether the scan passes over the page `pfn` of `item` this time (counted in `pages_skipped`). */
  shouldSkip(pfn: Pfn, item: number): boolean {
    const policy = this.policy;
    if (policy?.skipPage) return this.skipWith(policy.skipPage, policy, pfn, item);
    // a policy without skipPage leaves page skipping to the kernel's smart scan (the knob)
    if (!this.sysfs.knobs.smart_scan || !this.profile.behaviour.smartScan) return false;
    return this.skipWith(smartScanSkip, undefined, pfn, item);
  }

  /** Runs a skip rule on the item's smart-scan counters; a skipped item leaves its tree. */
  private skipWith(
    rule: NonNullable<ScanPolicy["skipPage"]>,
    self: ScanPolicy | undefined,
    pfn: Pfn,
    item: number,
  ): boolean {
    const it = this.items;
    const st = this.state;
    const visit = this.visit;
    st.age = it.age[item]!;
    st.remainingSkips = it.remainingSkips[item]!;
    visit.item = item;
    visit.ksm = this.frames.isKsm(pfn);
    const skip = rule.call(self, visit, st);
    it.age[item] = st.age;
    it.remainingSkips[item] = st.remainingSkips;
    if (skip) {
      this.sysfs.pagesSkipped++;
      this.removeFromTree.removeRmapItemFromTree(item);
    }
    return skip;
  }
}
