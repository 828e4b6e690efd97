import { type SkipState, skipAge, smartScanSkip } from "@ksm/contracts";
import { describe, expect, it } from "vitest";

/** Which of `n` visits of one page smart scan skips (true) from a fresh rmap_item. */
function schedule(n: number, ksm = false): boolean[] {
  const state: SkipState = { age: 0, remainingSkips: 0 };
  return Array.from({ length: n }, () => smartScanSkip({ item: 0, ksm }, state));
}

describe("smart scan (should_skip_rmap_item)", () => {
  it("skip_age: 1 up to age 3, 2 up to 5, 4 up to 8, then 8", () => {
    expect([0, 3, 4, 5, 6, 8, 9, 200].map(skipAge)).toEqual([1, 1, 2, 2, 4, 4, 8, 8]);
  });

  it("never skips the first three visits, then skips skip_age(age) visits after each one it makes", () => {
    const s = schedule(20);
    expect(s.slice(0, 3)).toEqual([false, false, false]);
    // age 3 visited, skip 1; age 5 visited, skip 2; age 8 visited, skip 4; age 13 visited, skip 8
    const visited = s.flatMap((skipped, i) => (skipped ? [] : [i]));
    expect(visited).toEqual([0, 1, 2, 3, 5, 8, 13]);
  });

  it("never skips a KSM page, and does not age it", () => {
    const state: SkipState = { age: 0, remainingSkips: 0 };
    for (let i = 0; i < 10; i++) expect(smartScanSkip({ item: 0, ksm: true }, state)).toBe(false);
    expect(state).toEqual({ age: 0, remainingSkips: 0 });
  });

  it("saturates the age at 255", () => {
    const state: SkipState = { age: 254, remainingSkips: 0 };
    smartScanSkip({ item: 0, ksm: false }, state);
    smartScanSkip({ item: 0, ksm: false }, state);
    expect(state.age).toBe(255);
  });
});
