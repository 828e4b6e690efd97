import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type CellResult,
  estimate,
  excludesZero,
  fmtDifference,
  pairedDifference,
  studentTCdf,
  studentTQuantile,
  summarise,
} from "../src/index.js";

describe("Student t", () => {
  it("has the tables' 97.5 % quantiles", () => {
    // two-sided 95 % critical values from any statistics table
    expect(studentTQuantile(0.975, 1)).toBeCloseTo(12.706, 3);
    expect(studentTQuantile(0.975, 2)).toBeCloseTo(4.303, 3);
    expect(studentTQuantile(0.975, 10)).toBeCloseTo(2.228, 3);
    expect(studentTQuantile(0.975, 29)).toBeCloseTo(2.045, 3);
    expect(studentTQuantile(0.975, 1e6)).toBeCloseTo(1.96, 2);
  });

  it("inverts its CDF, symmetrically", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.01, max: 0.99, noNaN: true }),
        fc.integer({ min: 1, max: 200 }),
        (p, df) => {
          const t = studentTQuantile(p, df);
          expect(studentTCdf(t, df)).toBeCloseTo(p, 8);
          expect(studentTCdf(-t, df)).toBeCloseTo(1 - p, 8);
        },
      ),
    );
    expect(() => studentTQuantile(1, 3)).toThrow(RangeError);
  });
});

describe("estimates over seeds", () => {
  it("gives mean, sample sd and the t interval", () => {
    const e = estimate([1, 2, 3, 4, 5, null, Number.NaN])!;
    expect(e.n).toBe(5);
    expect(e.mean).toBe(3);
    expect(e.sd).toBeCloseTo(Math.sqrt(2.5), 12);
    const half = (studentTQuantile(0.975, 4) * Math.sqrt(2.5)) / Math.sqrt(5);
    expect(e.hi - e.mean).toBeCloseTo(half, 12);
    expect(e.mean - e.lo).toBeCloseTo(half, 12);
    expect(estimate([])).toBeNull();
    expect(estimate([7])).toEqual({ n: 1, mean: 7, sd: 0, lo: 7, hi: 7 });
  });

  it("covers the true mean about 95 % of the time", () => {
    // a seeded normal sample (Box–Muller on a small LCG), 2,000 intervals of 5 draws
    let s = 12345;
    const u = () => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      return (s + 0.5) / 2 ** 32;
    };
    const normal = () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
    let covered = 0;
    for (let i = 0; i < 2000; i++) {
      const e = estimate(Array.from({ length: 5 }, () => 10 + 3 * normal()))!;
      if (e.lo <= 10 && 10 <= e.hi) covered++;
    }
    expect(covered / 2000).toBeGreaterThan(0.93);
    expect(covered / 2000).toBeLessThan(0.97);
  });

  it("pairs differences by seed and marks intervals that exclude 0", () => {
    const base = new Map([
      [1, 10],
      [2, 20],
      [3, 30],
    ]);
    const better = new Map([
      [1, 11],
      [2, 21.5],
      [3, 31],
      [4, 99],
    ]);
    const d = pairedDifference(better, base)!;
    expect(d.n).toBe(3);
    expect(d.mean).toBeCloseTo(3.5 / 3, 12);
    expect(excludesZero(d)).toBe(true);
    expect(fmtDifference(d, 2)).toMatch(/^\+1\.17 \[[\d.]+, [\d.]+\] \*$/);
    const noisy = pairedDifference(
      new Map([
        [1, 12],
        [2, 18],
        [3, 31],
      ]),
      base,
    )!;
    expect(excludesZero(noisy)).toBe(false);
    expect(fmtDifference(noisy, 2)).not.toContain("*");
  });
});

/** A cell result with the given saving (pages) at its only report. */
function cell(variant: string, seed: number, saved: number): CellResult {
  const policies: Record<string, string> = variant === "default" ? {} : { tree: variant };
  return {
    key: `w|p|${variant}|${seed}`,
    spec: { workload: "w", profile: "p", seed, policies },
    variant,
    pages: 1000,
    metrics: {
      savedPages: saved,
      savedBytes: saved * 4096,
      bestSavedPages: 500,
      shareOfBest: saved / 500,
      scansTo50: 1,
      scansTo90: 2,
      scansTo99: 3,
      fullScans: 3,
      secondsTo50: 1,
      secondsTo90: 2,
      secondsTo99: 3,
      seconds: 3,
    },
    series: [],
    cost: null,
    pagesScanned: 3000,
    pagesScannedEstimated: true,
    estKsmdSeconds: null,
    wallSeconds: seed,
    error: null,
  };
}

describe("summary", () => {
  const results = [1, 2, 3].flatMap((s) => [
    cell("default", s, 100 * s),
    cell("same", s, 100 * s),
    cell("more", s, 100 * s + 256 + s),
  ]);
  const rows = summarise(results);
  const row = (v: string) => rows.find((r) => r.variant === v)!;

  it("estimates every metric per group over the seeds", () => {
    expect(rows.map((r) => r.variant)).toEqual(["default", "same", "more"]);
    const saved = row("default").stats.savedMiB!;
    expect(saved.n).toBe(3);
    expect(saved.mean).toBeCloseTo((200 * 4096) / 2 ** 20, 12);
    expect(saved.sd).toBeGreaterThan(0);
    expect(row("default").diff).toBeNull();
  });

  it("compares each variant with the default, and finds variants without effect", () => {
    expect(row("same").noEffect).toBe(true);
    expect(row("more").noEffect).toBe(false);
    expect(row("more").diff!.savedMiB!.mean).toBeCloseTo(((256 + 2) * 4096) / 2 ** 20, 12);
    expect(row("more").significant).toContain("savedMiB");
    expect(row("more").significant).not.toContain("scansTo90");
  });
});
