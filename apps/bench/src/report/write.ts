import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { CellResult } from "../cell.js";
import { COST_FIELDS } from "../cost.js";
import type { Calibration } from "../cost-model.js";
import { charts, paretoLists } from "./charts.js";
import { toCsv } from "./csv.js";
import { reportHtml } from "./html.js";
import { formatJson } from "./json.js";
import { mdTable } from "./markdown.js";
import { summarise } from "./summary.js";
import {
  DIFFERENCE_NOTE,
  differenceTable,
  modelNote,
  NO_EFFECT_NOTE,
  noEffectList,
  PARETO_NOTE,
  type ReportTable,
  ranOn,
  SUMMARY_NOTE,
  summaryTable,
} from "./tables.js";

const MIB = 1024 * 1024;

/** What the report says about the run besides the results. */
export interface RunInfo {
  /** The command line that made the results. */
  readonly command: string;
  /** ISO date and time of the run. */
  readonly date: string;
  readonly machine: Readonly<Record<string, string | number>>;
  readonly elapsedSeconds: number;
  readonly workers: number;
  /** The queue the cells ran on (matrix --queue), instead of local worker threads. */
  readonly queue?: string;
  readonly calibration: Calibration | null;
}

/** The files of a report, by name, as text. */
export type ReportFiles = Record<string, string>;

/** The deterministic part of a cell result (no wall time). */
function stable(r: CellResult) {
  const { wallSeconds: _, ...rest } = r;
  return rest;
}

const CSV_HEADER = [
  "workload",
  "seed",
  "profile",
  "variant",
  "pages",
  "best_saved_pages",
  "saved_pages",
  "saved_mib",
  "share_of_best",
  "scans_to_50",
  "scans_to_90",
  "scans_to_99",
  "full_scans",
  "sim_seconds_to_90",
  "sim_seconds",
  "pages_scanned",
  "pages_scanned_estimated",
  ...COST_FIELDS.map((f) => `cost_${f}`),
  "est_ksmd_seconds",
  "config_key",
  "error",
];

/** results.csv: one row per cell, deterministic (no wall time). */
export function resultsCsv(results: readonly CellResult[]): string {
  return toCsv(
    CSV_HEADER,
    results.map((r) => {
      const m = r.metrics;
      return [
        r.spec.workload,
        r.spec.seed,
        r.spec.profile,
        r.variant,
        r.pages,
        m?.bestSavedPages,
        m?.savedPages,
        m ? (m.savedBytes / MIB).toFixed(3) : "",
        m?.shareOfBest === null || !m ? "" : m.shareOfBest.toFixed(4),
        m?.scansTo50,
        m?.scansTo90,
        m?.scansTo99,
        m?.fullScans,
        m?.secondsTo90 == null ? "" : m.secondsTo90.toFixed(3),
        m?.seconds == null ? "" : m.seconds.toFixed(3),
        r.pagesScanned,
        r.pagesScannedEstimated ? 1 : 0,
        ...COST_FIELDS.map((f) => r.cost?.[f]),
        r.estKsmdSeconds === null ? "" : r.estKsmdSeconds.toFixed(4),
        r.configKey ?? "",
        r.error ?? "",
      ];
    }),
  );
}

/** series.csv: one row per report of every cell (long format, for plotting elsewhere). */
export function seriesCsv(results: readonly CellResult[]): string {
  const rows: unknown[][] = [];
  for (const r of results)
    for (const p of r.series)
      rows.push([
        r.spec.workload,
        r.spec.seed,
        r.spec.profile,
        r.variant,
        p.fullScans,
        p.seconds === undefined ? "" : p.seconds.toFixed(3),
        p.savedPages,
        p.pagesShared,
        p.pagesSharing,
        p.pagesUnshared,
        p.pagesVolatile,
        p.ksmZeroPages,
        p.rmapItems,
        p.swapIo ?? "",
      ]);
  return toCsv(
    [
      "workload",
      "seed",
      "profile",
      "variant",
      "full_scans",
      "sim_seconds",
      "saved_pages",
      "pages_shared",
      "pages_sharing",
      "pages_unshared",
      "pages_volatile",
      "ksm_zero_pages",
      "rmap_items",
      "swap_io",
    ],
    rows,
  );
}

/** summary.md: the Markdown summary table, averaged over seeds. */
export function summaryMarkdown(results: readonly CellResult[], info: RunInfo): string {
  const failed = results.filter((r) => r.error);
  const rows = summarise(results);
  const md = (t: ReportTable) => mdTable(t.header, t.rows, t.align);
  const none = noEffectList(rows);
  return [
    "# KSM benchmark matrix",
    "",
    `Made by \`${info.command}\` on ${info.date}, ${info.machine.cpus} CPUs (${info.machine.cpuModel}), Linux ${info.machine.kernel}, Node ${info.machine.node}; ${results.length} cells ${ranOn(info)} in ${info.elapsedSeconds.toFixed(1)} s.`,
    "",
    SUMMARY_NOTE,
    "",
    md(summaryTable(rows)),
    modelNote(info.calibration, results),
    "",
    "## Differences from the profile's default",
    "",
    DIFFERENCE_NOTE,
    "",
    md(differenceTable(rows)),
    "## Pareto frontiers",
    "",
    PARETO_NOTE,
    "",
    ...[...paretoLists(results, info.calibration)].map(([w, f]) => `- ${w}: ${f.join(" → ")}`),
    "",
    ...(none.length ? ["## No effect", "", NO_EFFECT_NOTE, "", ...none.map((l) => `- ${l}`), ""] : []),
    ...(failed.length ? ["## Failed cells", "", ...failed.map((r) => `- ${r.key}: ${r.error}`), ""] : []),
  ].join("\n");
}

/**
 * Every file of a matrix report, by name. results.json, results.csv, series.csv and the
 * SVG charts depend only on the cells (same seeds, same bytes); summary.md, report.html and
 * run.json also carry the date and wall times.
 */
export function reportFiles(results: readonly CellResult[], info: RunInfo): ReportFiles {
  const figs = charts(results, info.calibration);
  const calibration = info.calibration
    ? {
        date: info.calibration.date,
        provisional: info.calibration.provisional,
        nsPer: info.calibration.nsPer,
      }
    : null;
  return {
    "results.json": formatJson({ calibration, cells: results.map(stable) }),
    "results.csv": resultsCsv(results),
    "series.csv": seriesCsv(results),
    "summary.md": summaryMarkdown(results, info),
    "report.html": reportHtml(results, info, figs),
    "run.json": formatJson({
      command: info.command,
      date: info.date,
      machine: info.machine,
      workers: info.workers,
      ...(info.queue ? { queue: info.queue } : {}),
      elapsedSeconds: info.elapsedSeconds,
      wallSeconds: Object.fromEntries(results.map((r) => [r.key, r.wallSeconds])),
    }),
    ...Object.fromEntries(figs.map((c) => [c.file, c.svg])),
  };
}

/**
 * Writes the report's files into `dir` (created if need be), first removing the charts of
 * an earlier report there (their names depend on the axes); returns the paths written.
 */
export function writeReport(dir: string, files: ReportFiles): string[] {
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(dir))
    if (/^(saved|time|cost|swap|pareto)-.*\.svg$/.test(f)) rmSync(join(dir, f));
  return Object.entries(files).map(([name, text]) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  });
}
