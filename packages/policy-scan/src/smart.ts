import type { PageVisit, ScanPolicy, SkipState } from "@ksm/contracts";

/**
 * `skip_age()` of mm/ksm.c (6.7+): how many visits to skip after a visit at `age` that was
 * not skipped: 1 up to age 3, 2 up to 5, 4 up to 8, then 8.
 */
export function skipAge(age: number): number {
  return age <= 3 ? 1 : age <= 5 ? 2 : age <= 8 ? 4 : 8;
}

/**
 * `should_skip_rmap_item()` (Linux 6.7+, Stefan Roesch's smart scan): KSM pages are never
 * skipped; otherwise the item's `age` counts its visits (saturating at 255), the first three
 * are never skipped, and then the page is skipped `skip_age(age)` times between visits. The
 * core counts the skip in `pages_skipped` and drops the item from the unstable tree.
 */
export function smartScanSkip(visit: PageVisit, state: SkipState): boolean {
  if (visit.ksm) return false;
  const age = state.age;
  if (age !== 255) state.age = age + 1;
  if (age < 3) return false;
  if (state.remainingSkips === 0) {
    state.remainingSkips = skipAge(age);
    return false;
  }
  state.remainingSkips--;
  return true;
}

/**
 * The kernel's smart scan (Linux 6.7+): pages that keep failing to merge are visited less
 * and less often, down to one visit in nine. Chosen explicitly it applies whatever the
 * `smart_scan` knob says; left unchosen, the core runs the same schedule when the knob is 1.
 */
export function smartScan(): ScanPolicy {
  return { name: "smart", skipPage: smartScanSkip };
}
