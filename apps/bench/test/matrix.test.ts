import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { listPolicies } from "@ksm/sim";
import { describe, expect, it } from "vitest";
import {
  type CellResult,
  distinctRuns,
  estimateKsmdSeconds,
  fitCostModel,
  planMatrix,
  policyChoices,
  type RunInfo,
  reportFiles,
  runMatrix,
  summarise,
  summaryMarkdown,
  writeReport,
} from "../src/index.js";

const listing = {
  profiles: [
    { name: "p1", description: "" },
    { name: "p2", description: "" },
  ],
  policies: {
    checksum: [
      { name: "xxhash", description: "" },
      { name: "jhash2", description: "" },
    ],
    tree: [
      { name: "rbtree", description: "" },
      { name: "skiplist", description: "" },
    ],
  },
};

describe("matrix plan", () => {
  it("varies one axis at a time with the others at default", () => {
    expect(policyChoices(listing, {})).toEqual([
      {},
      { checksum: "xxhash" },
      { checksum: "jhash2" },
      { tree: "rbtree" },
      { tree: "skiplist" },
    ]);
  });

  it("crosses every axis on request, and limits axes", () => {
    expect(policyChoices(listing, { cross: true })).toHaveLength(5);
    expect(policyChoices(listing, { axes: ["tree"] })).toEqual([
      {},
      { tree: "rbtree" },
      { tree: "skiplist" },
    ]);
    expect(() => policyChoices(listing, { axes: ["nope"] })).toThrow(/unknown policy axis/);
  });

  it("makes profiles x choices x workloads x seeds cells, sorted by key", () => {
    const cells = planMatrix(listing, { workloads: ["zero-heavy", "near-duplicate"], seeds: [2, 10] });
    expect(cells).toHaveLength(2 * 5 * 2 * 2);
    expect(cells[0]).toMatchObject({
      workload: "near-duplicate",
      profile: "p1",
      policies: { checksum: "jhash2" },
      seed: 2,
    });
    expect(cells[1]!.seed).toBe(10);
    expect(() => planMatrix(listing, { profiles: ["p9"] })).toThrow(/unknown profile/);
  });
});

const TINY = {
  "vm-consolidation": { guests: 2, pages: 256, scans: 3, blockPages: 16 },
  "zero-heavy": { pages: 128, scans: 3 },
};

const info = (results: readonly CellResult[]): RunInfo => ({
  command: "test",
  date: "2026-01-01",
  machine: { cpus: 2, cpuModel: "test", kernel: "6.18", node: "20" },
  elapsedSeconds: results.length,
  workers: 0,
  calibration: null,
});

describe("a tiny matrix, end to end in this thread", () => {
  const run = () =>
    runMatrix(
      planMatrix(listPolicies(), {
        workloads: Object.keys(TINY),
        seeds: [1, 2],
        params: TINY,
        // the first profile and axis keep the test small and about the harness, not the policies
        profiles: listPolicies()
          .profiles.slice(0, 1)
          .map((p) => p.name),
        axes: Object.keys(listPolicies().policies).slice(0, 1),
      }),
      {
        workers: 0,
        model: { features: ["pages_scanned"], nsPer: { pages_scanned: 1000 } },
      },
    );

  it("runs every cell, reports metrics and writes the report", async () => {
    const results = await run();
    expect(results.length).toBeGreaterThanOrEqual(4);
    for (const r of results) {
      expect(r.error).toBeNull();
      expect(r.series.length).toBe(3);
      expect(r.metrics!.savedPages).toBeGreaterThan(0);
      expect(r.metrics!.shareOfBest).toBeGreaterThan(0.5);
      expect(r.metrics!.shareOfBest).toBeLessThanOrEqual(1);
      expect(r.estKsmdSeconds).toBeCloseTo((r.pagesScanned * 1000) / 1e9);
      // simulated time grows scan by scan, and includes the model's CPU estimate
      const t = r.series.map((p) => p.seconds!);
      for (let i = 1; i < t.length; i++) expect(t[i]).toBeGreaterThan(t[i - 1]!);
      expect(r.metrics!.seconds).toBeGreaterThan(r.estKsmdSeconds!);
      expect(r.metrics!.secondsTo90).toBeLessThanOrEqual(r.metrics!.seconds!);
    }
    const dir = mkdtempSync(join(tmpdir(), "ksm-bench-"));
    const files = reportFiles(results, info(results));
    writeReport(dir, files);
    for (const f of ["results.json", "results.csv", "series.csv", "summary.md", "report.html", "run.json"])
      expect(existsSync(join(dir, f))).toBe(true);
    const svgs = Object.keys(files).filter((f) => f.endsWith(".svg"));
    expect(svgs.some((f) => /^saved-zero-heavy(-\w+)?\.svg$/.test(f))).toBe(true);
    expect(svgs.some((f) => /^cost-vm-consolidation(-\w+)?\.svg$/.test(f))).toBe(true);
    expect(svgs.some((f) => /^time-zero-heavy(-\w+)?\.svg$/.test(f))).toBe(true);
    expect(svgs).toContain("pareto-vm-consolidation.svg");
    expect(files["summary.md"]).toMatch(/## Pareto frontiers\n[\s\S]*- vm-consolidation: \S/);
    for (const f of svgs) expect(existsSync(join(dir, f))).toBe(true);
    const csv = readFileSync(join(dir, "results.csv"), "utf8").trim().split("\n");
    expect(csv).toHaveLength(results.length + 1);
    expect(files["report.html"]).toContain("<svg");
    expect(files["summary.md"]).toContain("| vm-consolidation");
  });

  it("gives the same results, bit for bit, for the same seeds", async () => {
    const a = reportFiles(await run(), info([]));
    const b = reportFiles(await run(), info([]));
    const stable = Object.keys(a).filter(
      (f) => f.startsWith("results.") || f === "series.csv" || f.endsWith(".svg"),
    );
    expect(stable.length).toBeGreaterThan(4);
    for (const f of stable) expect(a[f]).toBe(b[f]);
  });

  it("records a failing cell instead of stopping", async () => {
    const [r] = await runMatrix([{ workload: "zero-heavy", seed: 1, profile: "nope", policies: {} }], {
      workers: 0,
      model: null,
    });
    expect(r!.error).toMatch(/profile/);
    expect(r!.metrics).toBeNull();
  });
});

describe("cost model", () => {
  it("recovers known costs from exact samples", () => {
    const truth = { pages_scanned: 300, bytes_compared: 0.05, merges: 2000 };
    const samples = [
      [1e6, 1e9, 1e4],
      [2e6, 1e8, 5e5],
      [5e5, 4e9, 2e3],
      [3e6, 0, 0],
    ].map(([p, b, m]) => ({
      features: { pages_scanned: p!, bytes_compared: b!, merges: m! },
      seconds: (truth.pages_scanned * p! + truth.bytes_compared * b! + truth.merges * m!) / 1e9,
    }));
    const model = fitCostModel(samples, ["pages_scanned", "bytes_compared", "merges"]);
    expect(model.nsPer.pages_scanned).toBeCloseTo(300, 3);
    expect(model.nsPer.bytes_compared).toBeCloseTo(0.05, 6);
    expect(model.nsPer.merges).toBeCloseTo(2000, 1);
    expect(estimateKsmdSeconds(model, { pages_scanned: 1e6, bytes_compared: 0, merges: 0 })).toBeCloseTo(0.3);
    expect(estimateKsmdSeconds(model, { pages_scanned: 1 })).toBeNull();
  });

  it("never gives a cost below zero", () => {
    const model = fitCostModel(
      [
        { features: { pages_scanned: 100, merges: 10 }, seconds: 1 },
        { features: { pages_scanned: 200, merges: 100 }, seconds: 2 },
        { features: { pages_scanned: 300, merges: 0 }, seconds: 3 },
      ],
      ["pages_scanned", "merges"],
    );
    expect(model.nsPer.merges).toBeGreaterThanOrEqual(0);
    expect(model.nsPer.pages_scanned).toBeCloseTo(1e7, -3);
  });
});

describe("profile defaults", () => {
  it("leaves out a variant the listing names as the profile's default", () => {
    const withDefaults = {
      ...listing,
      profiles: [{ name: "p1", description: "", policies: { checksum: "xxhash", tree: "rbtree" } }],
    };
    expect(policyChoices(withDefaults, {}, "p1")).toEqual([{}, { checksum: "jhash2" }, { tree: "skiplist" }]);
    // crossed, every combination holding a default is the cell without it: 4 distinct runs, not 5
    expect(policyChoices(withDefaults, { cross: true }, "p1")).toEqual([
      {},
      { tree: "skiplist" },
      { checksum: "jhash2" },
      { checksum: "jhash2", tree: "skiplist" },
    ]);
  });
});

describe("cells keyed by their resolved configuration", () => {
  const plan = (workloads: string[], axes: string[]) =>
    planMatrix(listPolicies(), {
      workloads,
      seeds: [1, 2],
      profiles: ["linux-6.18"],
      axes,
      params: { "zero-heavy": { pages: 64, scans: 2 }, "swap-pressure": { guests: 2, pages: 128 } },
    });

  it("runs a configuration once however many cells name it", async () => {
    const cells = plan(["zero-heavy"], ["checksum", "reclaim"]);
    const runs = await distinctRuns(cells, null);
    // linux-6.18 defaults to xxhash, and zero-heavy never reclaims: checksum=xxhash (where the
    // plan did not already fold it into the default's cell) and every reclaim variant are the
    // default's run, per seed
    const same = cells.filter((c) => c.policies.reclaim !== undefined || c.policies.checksum === "xxhash");
    expect(same.length).toBeGreaterThanOrEqual(2 * (listPolicies().policies.reclaim!.length - 1));
    expect(runs.specs).toHaveLength(cells.length - same.length);
    const results = await runMatrix(cells, { workers: 0, model: null, runs });
    expect(results).toHaveLength(cells.length);
    const of = (variant: string, seed: number) =>
      results.find((r) => r.variant === variant && r.spec.seed === seed)!;
    expect(of("reclaim=random", 1).configKey).toBe(of("default", 1).configKey);
    expect(of("reclaim=random", 1).spec.policies).toEqual({ reclaim: "random" });
    expect(of("default", 1).configKey).not.toBe(of("default", 2).configKey);
    expect(of("checksum=none", 1).configKey).not.toBe(of("default", 1).configKey);
    const row = summarise(results).find((r) => r.variant === "reclaim=random")!;
    expect(row.noEffect).toBe(true);
    expect(summaryMarkdown(results, info(results))).toMatch(/## No effect[\s\S]*reclaim=random/);
  });

  it("keeps the reclaim policy in the key where the scenario reclaims", async () => {
    const runs = await distinctRuns(plan(["swap-pressure"], ["reclaim"]), null);
    expect(new Set(runs.keys).size).toBe(runs.keys.length - 2);
  });
});
