import type { CellResult } from "../cell.js";
import type { Calibration } from "../cost-model.js";
import { PAGE_SIZE } from "../metrics.js";
import type { SeriesPoint } from "../series.js";
import { groupKey, mean, type SummaryRow, summarise } from "./summary.js";
import { type ChartSeries, lineChart, MAX_SERIES, scatterChart } from "./svg.js";

const MIB = 1024 * 1024;

/** A chart of the report: its file name, the workload it is about, and the SVG document. */
export interface Chart {
  readonly file: string;
  readonly workload: string;
  readonly svg: string;
}

/**
 * The chart groups of a set of results: one per policy axis, each with the default cells
 * and the cells that vary that axis (one-axis-at-a-time matrices); one group "all" when
 * there is no axis or cells vary several axes at once.
 */
export function chartGroups(results: readonly CellResult[]): Map<string, (r: CellResult) => boolean> {
  const axesOf = (r: CellResult) => Object.keys(r.spec.policies);
  const groups = new Map<string, (r: CellResult) => boolean>();
  const axes = [...new Set(results.flatMap(axesOf))].sort();
  if (axes.length === 0 || results.some((r) => axesOf(r).length > 1)) groups.set("all", () => true);
  else for (const a of axes) groups.set(a, (r) => axesOf(r).length === 0 || axesOf(r)[0] === a);
  return groups;
}

/** One line of a chart: a profile and variant, and its cells (one per seed). */
interface Line {
  readonly profile: string;
  readonly variant: string;
  readonly cells: readonly CellResult[];
}

/** A chart's lines and the suffix its file names take. */
interface Panel {
  readonly suffix: string;
  readonly lines: readonly Line[];
  /** Name the profile in the legend (the panel mixes profiles). */
  readonly mixed: boolean;
  /** The look of each line (the same variant looks the same in every panel of a profile split). */
  readonly styles: readonly number[];
}

/**
 * Small multiples: every line in one chart when they are at most MAX_SERIES; else one chart
 * per profile, and a profile with more lines than that in several charts, each starting
 * with the profile's default so every chart has its reference.
 */
export function panels(lines: readonly Line[]): Panel[] {
  if (lines.length <= MAX_SERIES) return [{ suffix: "", lines, mixed: true, styles: lines.map((_, i) => i) }];
  const variants = [...new Set(lines.map((l) => l.variant))];
  const out: Panel[] = [];
  for (const profile of [...new Set(lines.map((l) => l.profile))]) {
    const mine = lines.filter((l) => l.profile === profile);
    const base = mine.filter((l) => l.variant === "default");
    const rest = mine.filter((l) => l.variant !== "default");
    const room = MAX_SERIES - base.length;
    const parts = Math.max(1, Math.ceil(rest.length / room));
    const size = Math.ceil(rest.length / parts);
    for (let k = 0; k < parts; k++) {
      const chunk = [...base, ...rest.slice(k * size, (k + 1) * size)];
      out.push({
        suffix: `-${profile}${parts > 1 ? `-${k + 1}` : ""}`,
        lines: chunk,
        mixed: false,
        styles: chunk.map((l) => variants.indexOf(l.variant)),
      });
    }
  }
  return out;
}

/**
 * A line's mean over its seeds at each report (reports line up across seeds: the same
 * workload has the same steps), and the seeds' range at each report as the band.
 */
function meanLine(
  cells: readonly CellResult[],
  x: (p: SeriesPoint) => number | undefined,
  y: (p: SeriesPoint) => number | undefined,
): Pick<ChartSeries, "points" | "band"> {
  const n = Math.max(0, ...cells.map((r) => r.series.length));
  const points: [number, number][] = [];
  const band: [number, number, number][] = [];
  for (let i = 0; i < n; i++) {
    const at = cells.map((r) => r.series[i]).filter((p): p is SeriesPoint => p !== undefined);
    const mx = mean(at.map(x));
    const ys = at.map(y).filter((v): v is number => v !== undefined);
    if (mx === null || ys.length === 0) continue;
    points.push([mx, ys.reduce((s, v) => s + v, 0) / ys.length]);
    band.push([mx, Math.min(...ys), Math.max(...ys)]);
  }
  return cells.length > 1 ? { points, band } : { points };
}

const savedMiB = (p: SeriesPoint) => (p.savedPages * PAGE_SIZE) / MIB;

/** The variants on the Pareto frontier: no other has as much saving (or more) for less CPU. */
export function paretoFrontier<T>(points: readonly T[], x: (p: T) => number, y: (p: T) => number): T[] {
  const sorted = [...points].sort((a, b) => x(a) - x(b) || y(b) - y(a));
  const out: T[] = [];
  for (const p of sorted) if (out.length === 0 || y(p) > y(out[out.length - 1]!)) out.push(p);
  return out;
}

/** The x metric of the Pareto charts: the CPU estimate when every cell has one, else pages scanned. */
function paretoX(useModel: boolean): string {
  return useModel ? "estKsmdSeconds" : "pagesScannedM";
}

/** Each workload's Pareto frontier of saving against ksmd CPU, as `variant (profile)` names, cheapest first. */
export function paretoLists(
  results: readonly CellResult[],
  calibration: Calibration | null,
): Map<string, string[]> {
  const rows = summarise(results).filter((r) => !r.noEffect);
  const xId = paretoX(calibration !== null && results.every((r) => !r.metrics || r.estKsmdSeconds !== null));
  const out = new Map<string, string[]>();
  for (const w of [...new Set(rows.map((r) => r.workload))]) {
    const pts = rows.filter((r) => r.workload === w && r.stats[xId] && r.stats.savedMiB);
    const front = paretoFrontier(
      pts,
      (r) => r.stats[xId]!.mean,
      (r) => r.stats.savedMiB!.mean,
    );
    out.set(
      w,
      front.map((r) => `${r.variant} (${r.profile})`),
    );
  }
  return out;
}

function paretoChart(
  w: string,
  rows: readonly SummaryRow[],
  useModel: boolean,
  seeds: number,
): string | null {
  const xId = paretoX(useModel);
  const pts = rows.filter((r) => r.stats[xId] && r.stats.savedMiB);
  if (pts.length === 0) return null;
  const mixed = new Set(pts.map((r) => r.profile)).size > 1;
  const name = (r: SummaryRow) => (mixed ? `${r.variant} (${r.profile})` : r.variant);
  const x = (r: SummaryRow) => r.stats[xId]!.mean;
  const y = (r: SummaryRow) => r.stats.savedMiB!.mean;
  const front = paretoFrontier(pts, x, y);
  const series = (rs: readonly SummaryRow[], label: string, style: number, joined: boolean): ChartSeries => ({
    name: label,
    style,
    points: rs.map((r) => [x(r), y(r)] as const),
    errors: rs.map(
      (r) => [r.stats[xId]!.lo, r.stats[xId]!.hi, r.stats.savedMiB!.lo, r.stats.savedMiB!.hi] as const,
    ),
    labels: joined ? rs.map(name) : [],
    joined,
  });
  const others = pts.filter((r) => !front.includes(r));
  return scatterChart({
    title: `${w}: saving against ksmd CPU, the Pareto frontier`,
    subtitle: `a point per variant, mean of ${seeds} seed${seeds === 1 ? "" : "s"}, bars: 95 % CI; labelled: the frontier (nothing saves as much for less)`,
    xLabel: useModel ? "estimated ksmd CPU seconds" : "pages scanned (millions)",
    yLabel: "saved MiB",
    // the frontier last, drawn over dominated points that sit at the same place
    series: [
      ...(others.length ? [series(others, "dominated", 1, false)] : []),
      series(front, "Pareto frontier", 0, true),
    ],
  });
}

/**
 * The chart files (SVG), by name, per workload and axis: saved MiB over full scans and over
 * simulated seconds (the seeds' range as a band), cost against savings (a point per seed),
 * swap I/O where there is swapping; and per workload the Pareto chart of saving against
 * ksmd CPU. Variants without effect are left out; more than MAX_SERIES lines go to small
 * multiples (see panels).
 */
export function charts(results: readonly CellResult[], calibration: Calibration | null): Chart[] {
  const out: Chart[] = [];
  const rows = summarise(results);
  const noEffect = new Set(
    rows.filter((s) => s.noEffect).map((s) => `${s.workload}|${s.profile}|${s.variant}`),
  );
  const shown = results.filter((r) => r.metrics && !noEffect.has(groupKey(r)));
  const useModel = calibration !== null && shown.every((r) => r.estKsmdSeconds !== null);
  const provisional = calibration?.provisional ? " (provisional model)" : "";
  for (const w of [...new Set(results.map((r) => r.spec.workload))]) {
    const add = (file: string, svg: string) => out.push({ file, workload: w, svg });
    const mine = shown.filter((r) => r.spec.workload === w);
    const seeds = new Set(mine.map((r) => r.spec.seed)).size;
    const ofSeeds = `mean of ${seeds} seed${seeds === 1 ? "" : "s"}${seeds > 1 ? ", band: the seeds' range" : ""}`;
    for (const [group, member] of chartGroups(results)) {
      const cells = mine.filter(member);
      if (cells.length === 0) continue;
      const keys = [...new Set(cells.map((r) => `${r.spec.profile}\u0000${r.variant}`))];
      const lines: Line[] = keys.map((k) => {
        const [profile, variant] = k.split("\u0000") as [string, string];
        return {
          profile,
          variant,
          cells: cells.filter((r) => r.spec.profile === profile && r.variant === variant),
        };
      });
      // an axis whose every variant had no effect has nothing to show beside the default
      if (group !== "all" && lines.every((l) => l.variant === "default")) continue;
      const about = group === "all" ? "" : `, ${group} variants`;
      for (const panel of panels(lines)) {
        const suffix = `${group === "all" ? "" : `-${group}`}${panel.suffix}`;
        const inPanel = panel.lines.flatMap((l) => l.cells);
        const profileNote = panel.mixed ? "" : ` (${panel.lines[0]!.profile})`;
        const look = (l: Line, i: number) => ({
          name:
            panel.mixed && new Set(panel.lines.map((x) => x.profile)).size > 1
              ? `${l.variant} (${l.profile})`
              : l.variant,
          style: panel.styles[i]!,
        });
        const over = (x: (p: SeriesPoint) => number | undefined): ChartSeries[] => {
          const out: ChartSeries[] = panel.lines.map((l, i) => ({
            ...look(l, i),
            ...meanLine(l.cells, x, savedMiB),
          }));
          const best = meanLine(inPanel, x, (p) =>
            p.bestSavedPages === undefined ? undefined : (p.bestSavedPages * PAGE_SIZE) / MIB,
          );
          if (best.points.length)
            out.push({ name: "best possible (perfect instant dedup)", points: best.points, dashed: true });
          return out;
        };
        add(
          `saved-${w}${suffix}.svg`,
          lineChart({
            title: `${w}: saved MiB over full scans${about}${profileNote}`,
            subtitle: `pages_sharing + ksm_zero_pages after each full scan, ${ofSeeds}`,
            xLabel: "full scans",
            yLabel: "saved MiB",
            series: over((p) => p.fullScans),
          }),
        );
        if (inPanel.every((r) => r.series.every((p) => p.seconds !== undefined)))
          add(
            `time-${w}${suffix}.svg`,
            lineChart({
              title: `${w}: saved MiB over simulated time${about}${profileNote}`,
              subtitle: `ksmd's pace at the workload's knobs${useModel ? " + model CPU" : ""}; ${ofSeeds}`,
              xLabel: "simulated seconds",
              yLabel: "saved MiB",
              series: over((p) => p.seconds),
            }),
          );
        const perSeed = (pointsOf: (r: CellResult) => (readonly [number, number])[]): ChartSeries[] =>
          panel.lines.map((l, i) => ({ ...look(l, i), points: l.cells.flatMap(pointsOf) }));
        add(
          `cost-${w}${suffix}.svg`,
          scatterChart({
            title: `${w}: cost against savings${about}${profileNote}`,
            subtitle: "a point per seed: final saving against what ksmd spent",
            xLabel: useModel ? `estimated ksmd CPU seconds${provisional}` : "pages scanned (millions)",
            yLabel: "saved MiB",
            series: perSeed((r) => [
              [useModel ? r.estKsmdSeconds! : r.pagesScanned / 1e6, r.metrics!.savedBytes / MIB] as const,
            ]),
          }),
        );
        if (inPanel.some((r) => r.series.at(-1)?.swapIo))
          add(
            `swap-${w}${suffix}.svg`,
            scatterChart({
              title: `${w}: swap I/O against pages_sharing${about}${profileNote}`,
              subtitle:
                "a point per report of every seed: pages swapped in and out so far against pages_sharing",
              xLabel: "pages_sharing",
              yLabel: "pages swapped (pswpin + pswpout)",
              series: perSeed((r) => r.series.map((p) => [p.pagesSharing, p.swapIo ?? 0] as const)),
            }),
          );
      }
    }
    const pareto = paretoChart(
      w,
      rows.filter((r) => r.workload === w && !r.noEffect),
      useModel,
      seeds,
    );
    if (pareto) add(`pareto-${w}.svg`, pareto);
  }
  return out;
}
