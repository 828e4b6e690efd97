import type { Scenario } from "@ksm/scenario";
import { describe, expect, it } from "vitest";
import {
  bestSaving,
  bestSavingAtReports,
  paceAtReports,
  type SeriesPoint,
  savingMetrics,
  scansToFraction,
  secondsToFraction,
  simulatedSeconds,
  visitedPages,
} from "../src/index.js";

const point = (fullScans: number, savedPages: number, rmapItems = 100): SeriesPoint => ({
  fullScans,
  savedPages,
  pagesShared: 0,
  pagesSharing: savedPages,
  pagesUnshared: 0,
  pagesVolatile: 0,
  ksmZeroPages: 0,
  rmapItems,
});

describe("scans to X % of the final saving", () => {
  const series = [point(1, 0), point(2, 40), point(3, 80), point(4, 95), point(5, 100)];

  it("is the first report at or above the fraction", () => {
    expect(scansToFraction(series, 0.5)).toBe(3);
    expect(scansToFraction(series, 0.4)).toBe(2);
    expect(scansToFraction(series, 0.9)).toBe(4);
    expect(scansToFraction(series, 0.99)).toBe(5);
  });

  it("is null when nothing was saved", () => {
    expect(scansToFraction([point(1, 0), point(2, 0)], 0.5)).toBeNull();
    expect(scansToFraction([], 0.5)).toBeNull();
  });

  it("measures against the final saving, even after a dip", () => {
    const dip = [point(1, 0), point(2, 100), point(3, 50), point(4, 60)];
    expect(scansToFraction(dip, 0.99)).toBe(2);
  });

  it("makes the metrics against the best saving", () => {
    const m = savingMetrics(series, 200);
    expect(m).toMatchObject({
      savedPages: 100,
      savedBytes: 409_600,
      shareOfBest: 0.5,
      scansTo50: 3,
      fullScans: 5,
    });
    expect(savingMetrics(series, 0).shareOfBest).toBeNull();
  });

  it("estimates pages visited as the rmap_items of each full scan", () => {
    expect(visitedPages([point(1, 0, 10), point(3, 0, 20), point(4, 0, 5)])).toBe(10 + 2 * 20 + 5);
  });
});

const region = (pages: number, fill: unknown[], extra = {}) => ({ name: "r", pages, fill, ...extra });

describe("best possible saving", () => {
  it("counts mergeable pages minus distinct contents, zero as one content", () => {
    const s = {
      knobs: {},
      processes: [
        {
          name: "a",
          regions: [
            region(10, [
              { range: [0, 4], content: { pattern: 1 } },
              { range: [4, 6], content: "unique" },
            ]),
          ],
        },
        { name: "b", regions: [region(4, [{ content: { pattern: 1 } }])] },
      ],
      steps: [],
    } as unknown as Scenario;
    // a: 4 x p1, 2 unique, 4 zero; b: 4 x p1 -> contents p1, u1, u2, zero
    expect(bestSaving(s)).toMatchObject({
      pages: 14,
      mergeablePages: 14,
      zeroPages: 4,
      distinctContents: 4,
      bestSavedPages: 10,
    });
  });

  it("saves every zero page with use_zero_pages", () => {
    const s = {
      knobs: { use_zero_pages: 1 },
      processes: [{ name: "a", regions: [region(8, [])] }],
      steps: [],
    };
    expect(bestSaving(s as unknown as Scenario).bestSavedPages).toBe(8);
  });

  it("follows writes, forks, exits and madvise", () => {
    const s = {
      knobs: {},
      processes: [{ name: "a", regions: [region(4, [{ content: { sequence: 10 } }])] }],
      steps: [
        { op: "fork", process: "a", child: "b" },
        { op: "write", process: "b", region: "r", range: [0, 2], content: "unique" },
        { op: "fork", process: "a", child: "c" },
        { op: "exit", process: "a" },
        { op: "madvise", process: "c", region: "r", range: [3, 4], advice: "unmergeable" },
      ],
    };
    // b: u, u, s12, s13; c: s10, s11, s12, (s13 unmergeable)
    const best = bestSaving(s as unknown as Scenario);
    expect(best).toMatchObject({ pages: 8, mergeablePages: 7, distinctContents: 6, bestSavedPages: 1 });
  });

  it("treats a poke that leaves its byte unchanged as no poke, and sequences as patterns", () => {
    // splitmix64(0) = 0xE220A8397B1DCDAF: byte 0 is 0xAF, byte 7 is 0xE2
    const s = {
      knobs: {},
      processes: [
        {
          name: "a",
          regions: [
            region(4, [
              { range: [0, 1], content: { pattern: 0, poke: [[0, 0xaf]] } },
              { range: [1, 2], content: { pattern: 0 } },
              { range: [2, 3], content: { sequence: 0, poke: [[4095, 0xe2]] } },
              { range: [3, 4], content: { pattern: 0, poke: [[4095, 1]] } },
            ]),
          ],
        },
      ],
      steps: [],
    };
    expect(bestSaving(s as unknown as Scenario)).toMatchObject({ distinctContents: 2, bestSavedPages: 2 });
  });

  it("leaves out regions that are not mergeable, unless the process merges any", () => {
    const s = {
      knobs: {},
      processes: [
        { name: "a", regions: [region(4, [], { mergeable: false })] },
        { name: "b", mergeAny: true, regions: [region(4, [], { mergeable: false })] },
      ],
      steps: [],
    };
    expect(bestSaving(s as unknown as Scenario)).toMatchObject({
      pages: 8,
      mergeablePages: 4,
      bestSavedPages: 3,
    });
  });
});

describe("best possible saving at each report", () => {
  it("follows the state each report describes", () => {
    const s = {
      knobs: {},
      processes: [{ name: "a", regions: [region(4, [{ content: { pattern: 3 } }])] }],
      steps: [
        { op: "scan" },
        { op: "report" },
        { op: "write", process: "a", region: "r", range: [0, 2], content: "unique" },
        { op: "report" },
        { op: "verify" },
        { op: "measure", pagesSharing: 1 },
      ],
    };
    expect(bestSavingAtReports(s as unknown as Scenario).map((b) => b.bestSavedPages)).toEqual([3, 1, 1]);
  });
});

describe("simulated time at the workload's knobs", () => {
  const pace = { pages_to_scan: 100, sleep_millisecs: 20, advisor_mode: "none" };
  const at = (fullScans: number, pagesScanned: number, savedPages = 0): SeriesPoint => ({
    ...point(fullScans, savedPages),
    cost: { pages_scanned: pagesScanned },
  });

  it("counts a batch per pages_to_scan pages of each full scan, and its sleep", () => {
    // scan 1: 250 pages = 3 batches; scans 2-3: 200 pages each = 3 batches each (the batch
    // that finds the end of the scan); 20 ms is 5 jiffies and the timer wheel's one more, 24 ms each
    const s = simulatedSeconds([at(1, 250), at(3, 650)], [pace, pace], null);
    expect(s[0]).toBeCloseTo(0.072, 12);
    expect(s[1]).toBeCloseTo(0.072 + 2 * 0.072, 12);
    const slow = simulatedSeconds([at(1, 250)], [{ ...pace, sleep_millisecs: 200 }], null);
    expect(slow[0]).toBeCloseTo(3 * 0.204, 12);
  });

  it("adds the cost model's CPU, and gives up under the scan-time advisor", () => {
    const model = { features: ["pages_scanned" as const], nsPer: { pages_scanned: 1e6 } };
    expect(simulatedSeconds([at(1, 250)], [pace], model)[0]).toBeCloseTo(0.072 + 0.25, 12);
    expect(simulatedSeconds([at(1, 250)], [{ ...pace, advisor_mode: "scan-time" }], null)).toEqual([null]);
  });

  it("follows knob steps, report by report", () => {
    const pace = paceAtReports({
      knobs: { sleep_millisecs: 50 },
      processes: [],
      steps: [
        { op: "scan" },
        { op: "report" },
        { op: "knob", name: "pages_to_scan", value: 1000 },
        { op: "scan" },
        { op: "report" },
      ],
    });
    expect(pace.map((k) => [k.pages_to_scan, k.sleep_millisecs])).toEqual([
      [100, 50],
      [1000, 50],
    ]);
  });

  it("gives seconds to a share of the final saving", () => {
    const s = [
      { ...point(1, 50), seconds: 2 },
      { ...point(2, 100), seconds: 5 },
    ];
    expect(secondsToFraction(s, 0.5)).toBe(2);
    expect(secondsToFraction(s, 0.9)).toBe(5);
    expect(secondsToFraction([point(1, 50)], 0.5)).toBeNull();
  });
});
