import type { PageVisit, SkipState } from "./scan.js";

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
 * are never skipped, and then the page is skipped `skip_age(age)` times between visits.
 * The one copy of the schedule: the core runs it for the `smart_scan` knob, and
 * `@ksm/policy-scan`'s `smart` policy is this function as a `skipPage` hook.
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
