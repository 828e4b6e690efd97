import type { SkipState } from "@ksm/contracts";
import { SplitMix32 } from "@ksm/contracts";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { adaptiveScan, linearScan, randomScan, skipAge, smartScan } from "../src/index.js";

describe("linear scan", () => {
  it("reorders and passes over nothing, and skips no page (so smart scan never runs under it)", () => {
    const p = linearScan();
    expect(p.name).toBe("linear");
    expect(p.startFullScan ?? p.skipVma).toBeUndefined();
    const st = { age: 200, remainingSkips: 3 };
    expect(p.skipPage!({ item: 0, ksm: false }, st)).toBe(false);
    expect(st).toEqual({ age: 200, remainingSkips: 3 });
  });
});

describe("smart scan", () => {
  const visits = (n: number, ksmAt: (k: number) => boolean = () => false) => {
    const p = smartScan();
    const st: SkipState = { age: 0, remainingSkips: 0 };
    const out: boolean[] = [];
    for (let k = 1; k <= n; k++) out.push(p.skipPage!({ item: 0, ksm: ksmAt(k) }, st));
    return { out, st };
  };

  it("gives the kernel's visit pattern for a page that never merges", () => {
    // linux-ksm.md §1.4: visits 1-4 processed; 5 skipped; 6 processed; 7-8 skipped; 9 processed;
    // 10-13 skipped; 14 processed; then 8 skipped for each one processed
    const { out } = visits(41);
    const processed = out.flatMap((skip, i) => (skip ? [] : [i + 1]));
    expect(processed).toEqual([1, 2, 3, 4, 6, 9, 14, 23, 32, 41]);
  });

  it("never skips a KSM page and leaves its counters alone", () => {
    const { out, st } = visits(30, () => true);
    expect(out.every((s) => !s)).toBe(true);
    expect(st).toEqual({ age: 0, remainingSkips: 0 });
  });

  it("saturates age at 255 and uses skip_age's steps", () => {
    const { st } = visits(2000);
    expect(st.age).toBe(255);
    expect([0, 1, 2, 3, 4, 5, 6, 8, 9, 200].map(skipAge)).toEqual([1, 1, 1, 1, 2, 2, 4, 4, 8, 8]);
  });
});

describe("random scan", () => {
  it("permutes the mm list at each full scan, the same way for the same seed", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.nat(1000), { maxLength: 30 }), fc.nat(), (ids, seed) => {
        const a = randomScan({ seed });
        const b = randomScan({ seed });
        for (let scan = 0; scan < 3; scan++) {
          const x = [...ids];
          const y = [...ids];
          a.startFullScan!(scan, x);
          b.startFullScan!(scan, y);
          expect(x).toEqual(y);
          expect([...x].sort((p, q) => p - q)).toEqual([...ids].sort((p, q) => p - q));
        }
      }),
    );
  });

  it("gives different orders from scan to scan and from seed to seed", () => {
    const ids = Array.from({ length: 12 }, (_, i) => i);
    const p = randomScan({ seed: 5 });
    const orders = Array.from({ length: 4 }, (_, s) => {
      const x = [...ids];
      p.startFullScan!(s, x);
      return x.join(",");
    });
    expect(new Set(orders).size).toBe(4);
    const q = [...ids];
    randomScan({ seed: 6 }).startFullScan!(0, q);
    expect(q.join(",")).not.toBe(orders[0]);
  });

  it("draws uniformly enough: each position of 3 mms gets each id about a third of the time", () => {
    const p = randomScan({ seed: 1 });
    const first = [0, 0, 0];
    for (let s = 0; s < 3000; s++) {
      const x = [0, 1, 2];
      p.startFullScan!(s, x);
      first[x[0]!]!++;
    }
    for (const n of first) expect(n).toBeGreaterThan(900);
    const rng = new SplitMix32(0);
    expect(rng.next()).not.toBe(rng.next());
  });
});

describe("adaptive scan", () => {
  /** Drives the policy as the core would: one VMA per entry, `pages(k)` the items' KSM state at scan k. */
  function drive(
    scans: number,
    vmas: { start: number; pages: (scan: number, page: number) => boolean; n: number }[],
  ) {
    const p = adaptiveScan();
    const states = vmas.map((v) => Array.from({ length: v.n }, () => ({ age: 0, remainingSkips: 0 })));
    const scanned: boolean[][] = vmas.map(() => []);
    for (let s = 0; s < scans; s++) {
      p.startFullScan(s, [1]);
      vmas.forEach((v, i) => {
        const skip = p.skipVma(1, v.start, s);
        scanned[i]!.push(!skip);
        if (skip) return;
        for (let page = 0; page < v.n; page++)
          expect(p.skipPage({ item: i * 1000 + page, ksm: v.pages(s, page) }, states[i]![page]!)).toBe(false);
      });
    }
    return { p, scanned };
  }

  it("backs off from a VMA whose pages never merge, to one scan in eight", () => {
    const { p, scanned } = drive(40, [{ start: 0, n: 10, pages: () => false }]);
    expect(p.vma(1, 0)!.interval).toBe(8);
    // scans 0-2 (a merge needs two visits, the third shows none), then 1 in 2, 1 in 4, 1 in 8
    expect(scanned[0]!.slice(0, 17).map(Number).join("")).toBe("11101000100000001");
    expect(scanned[0]!.slice(24).filter(Boolean).length).toBe(2);
  });

  it("keeps scanning a VMA that merges every scan, and speeds up one that starts merging", () => {
    const { p, scanned } = drive(60, [
      { start: 0, n: 10, pages: (s, page) => s >= 2 && page <= s },
      // from scan 30 one more page merges at every scan
      { start: 100, n: 40, pages: (s, page) => page < s - 30 },
    ]);
    expect(scanned[0]!.slice(0, 12).every(Boolean)).toBe(true);
    expect(p.vma(1, 100)!.interval).toBe(1);
    expect(scanned[1]!.slice(50).every(Boolean)).toBe(true);
    expect(scanned[1]!.slice(10, 30).some((x) => !x)).toBe(true);
  });

  it("counts a KSM page that turns plain (a COW break) as volatile", () => {
    const { p } = drive(3, [{ start: 0, n: 4, pages: (s) => s === 1 }]);
    const v = p.vma(1, 0)!;
    expect(v.volatile).toBe(4);
    expect(v.merged).toBe(0);
  });
});
