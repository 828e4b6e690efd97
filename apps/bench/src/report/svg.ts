/** A named set of points of a chart. */
export interface ChartSeries {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
  /** Draw as a grey reference line without markers (such as the best possible saving). */
  readonly dashed?: boolean;
  /**
   * Index of the series' look: its colour, marker and dash together (default: the series'
   * index). Series with different indices below 8 differ in all three.
   */
  readonly style?: number;
  /** The spread around the line: [x, low, high] (e.g. the seeds' range), drawn as a band. */
  readonly band?: readonly (readonly [number, number, number])[];
  /** Error bars per point: [xLow, xHigh, yLow, yHigh], in the order of `points`. */
  readonly errors?: readonly (readonly [number, number, number, number])[];
  /** A text beside each point, in the order of `points` (scatter charts). */
  readonly labels?: readonly string[];
  /** Scatter charts: join the points with a line too (e.g. a Pareto frontier). */
  readonly joined?: boolean;
}

/**
 * Colours of the series, in order: Okabe–Ito's colour-blind-safe palette, the yellow last
 * (it is faint on white).
 */
export const PALETTE = [
  "#0072B2",
  "#E69F00",
  "#009E73",
  "#D55E00",
  "#56B4E9",
  "#CC79A7",
  "#000000",
  "#F0E442",
];

/** Dash patterns, cycled with the palette so that neighbours differ in both. */
const DASHES = ["", "7 3", "2 2", "9 3 2 3", "4 4"];

/** The most series one chart should hold (more go to small multiples). */
export const MAX_SERIES = 8;

const REFERENCE = ' stroke-dasharray="10 4" stroke-opacity="0.7"';

/** Colour, marker shape and dash of look `i`. */
export function seriesLook(i: number): { color: string; marker: number; dash: string } {
  return {
    color: PALETTE[i % PALETTE.length]!,
    marker: i % MARKERS,
    dash: DASHES[i % DASHES.length]!,
  };
}

const MARKERS = 6;

function lookOf(s: ChartSeries, i: number) {
  const l = seriesLook(s.style ?? i);
  return s.dashed ? { ...l, color: "#666" } : l;
}

function dashAttr(s: ChartSeries, dash: string): string {
  return s.dashed ? REFERENCE : dash ? ` stroke-dasharray="${dash}"` : "";
}

/** A marker of shape `shape` (circle, square, triangle, diamond, down-triangle, cross) at (x, y). */
function marker(shape: number, x: number, y: number, r: number, color: string): string {
  const p = (pts: [number, number][]) =>
    `<path d="${pts.map(([a, b], k) => `${k ? "L" : "M"}${(x + a * r).toFixed(1)},${(y + b * r).toFixed(1)}`).join(" ")} Z" fill="${color}" fill-opacity="0.85"/>`;
  switch (shape % MARKERS) {
    case 1:
      return `<rect x="${(x - r).toFixed(1)}" y="${(y - r).toFixed(1)}" width="${2 * r}" height="${2 * r}" fill="${color}" fill-opacity="0.85"/>`;
    case 2:
      return p([
        [0, -1.2],
        [1.1, 0.8],
        [-1.1, 0.8],
      ]);
    case 3:
      return p([
        [0, -1.3],
        [1.3, 0],
        [0, 1.3],
        [-1.3, 0],
      ]);
    case 4:
      return p([
        [0, 1.2],
        [1.1, -0.8],
        [-1.1, -0.8],
      ]);
    case 5:
      return `<path d="M${(x - r).toFixed(1)},${(y - r).toFixed(1)} L${(x + r).toFixed(1)},${(y + r).toFixed(1)} M${(x - r).toFixed(1)},${(y + r).toFixed(1)} L${(x + r).toFixed(1)},${(y - r).toFixed(1)}" stroke="${color}" stroke-width="2"/>`;
    default:
      return `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="${r}" fill="${color}" fill-opacity="0.85"/>`;
  }
}

/** What a chart shows. */
export interface ChartSpec {
  readonly title: string;
  /** A smaller second line under the title. */
  readonly subtitle?: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly ChartSeries[];
}

const W = 640;
/** Height of the plot area. */
const PH = 240;
const M = { left: 64, right: 16, top: 48 };

/** Layout of a chart with `n` legend entries (two per row under the plot). */
function layout(n: number) {
  const bottom = 56 + Math.ceil(n / 2) * 16;
  return { bottom, h: M.top + PH + bottom };
}

/** Escapes text for XML content and attributes. */
export function escapeXml(s: string): string {
  return s.replace(
    /[<>&"']/g,
    (c) => `&${{ "<": "lt", ">": "gt", "&": "amp", '"': "quot", "'": "apos" }[c]};`,
  );
}

/** A number written compactly and the same way every time. */
function num(v: number): string {
  if (Number.isInteger(v)) return String(v);
  const digits = Math.abs(v) >= 1 ? 2 : Math.min(6, 2 - Math.floor(Math.log10(Math.abs(v))));
  return v.toFixed(digits).replace(/\.?0+$/, "");
}

/** About `count` round tick values covering [lo, hi]; whole numbers only when `integer`. */
export function niceTicks(lo: number, hi: number, count = 5, integer = false): number[] {
  if (!(hi > lo)) return [lo];
  const step = tickStep(lo, hi, count, integer);
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step)
    out.push(Number(v.toPrecision(12)));
  return out;
}

function tickStep(lo: number, hi: number, count: number, integer: boolean): number {
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const steps = (integer ? [1, 2, 5, 10] : [1, 2, 2.5, 5, 10])
    .map((m) => m * mag)
    .filter((s) => !integer || s >= 1);
  return steps.find((s) => s >= raw) ?? steps[steps.length - 1] ?? 1;
}

/**
 * The axis range for data in [lo, hi]: from 0 when 0 is near (the data's low end is below
 * half its high end, so starting at 0 costs at most half the height), else fitted to the
 * data; either way widened to whole tick steps, so the data fill the plot.
 */
export function axisRange(lo: number, hi: number, integer = false): [number, number] {
  let a = lo >= 0 && lo <= hi / 2 ? 0 : lo;
  let b = hi;
  if (!(b > a)) {
    const pad = Math.abs(a) > 0 ? Math.abs(a) * 0.05 : 1;
    a = lo >= 0 && a - pad < 0 ? 0 : a - pad;
    b += pad;
  }
  const step = tickStep(a, b, 5, integer);
  return [Math.floor(a / step + 1e-9) * step, Math.ceil(b / step - 1e-9) * step];
}

interface Frame {
  x: (v: number) => number;
  y: (v: number) => number;
  body: string[];
}

function extent(spec: ChartSpec) {
  const xs: number[] = [];
  const ys: number[] = [];
  for (const s of spec.series) {
    for (const [x, y] of s.points) {
      xs.push(x);
      ys.push(y);
    }
    for (const [x, lo, hi] of s.band ?? []) {
      xs.push(x);
      ys.push(lo, hi);
    }
    for (const [xl, xh, yl, yh] of s.errors ?? []) {
      xs.push(xl, xh);
      ys.push(yl, yh);
    }
  }
  return { xs, ys };
}

function frame(spec: ChartSpec): Frame {
  const { xs, ys } = extent(spec);
  const { bottom, h: H } = layout(spec.series.length);
  const integerX = xs.every((v) => Number.isInteger(v));
  const [x0, x1] = xs.length ? axisRange(Math.min(...xs), Math.max(...xs), integerX) : [0, 1];
  const [y0, y1] = ys.length ? axisRange(Math.min(...ys), Math.max(...ys)) : [0, 1];
  const xt = niceTicks(x0, x1, 5, integerX);
  const yt = niceTicks(y0, y1);
  const pw = W - M.left - M.right;
  const ph = PH;
  const x = (v: number) => M.left + ((v - x0) / (x1 - x0)) * pw;
  const y = (v: number) => M.top + ph - ((v - y0) / (y1 - y0)) * ph;
  const body: string[] = [
    `<rect x="0" y="0" width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${W / 2}" y="18" text-anchor="middle" font-size="13" font-weight="bold">${escapeXml(spec.title)}</text>`,
  ];
  if (spec.subtitle)
    body.push(
      `<text x="${W / 2}" y="34" text-anchor="middle" font-size="11" fill="#444">${escapeXml(spec.subtitle)}</text>`,
    );
  for (const t of yt) {
    const py = y(t).toFixed(1);
    body.push(`<line x1="${M.left}" y1="${py}" x2="${W - M.right}" y2="${py}" stroke="#ddd"/>`);
    body.push(
      `<text x="${M.left - 6}" y="${py}" text-anchor="end" dominant-baseline="middle" font-size="11">${num(t)}</text>`,
    );
  }
  for (const t of xt) {
    const px = x(t).toFixed(1);
    body.push(`<line x1="${px}" y1="${M.top}" x2="${px}" y2="${H - bottom}" stroke="#eee"/>`);
    body.push(`<text x="${px}" y="${H - bottom + 16}" text-anchor="middle" font-size="11">${num(t)}</text>`);
  }
  body.push(
    `<line x1="${M.left}" y1="${H - bottom}" x2="${W - M.right}" y2="${H - bottom}" stroke="#333"/>`,
    `<line x1="${M.left}" y1="${M.top}" x2="${M.left}" y2="${H - bottom}" stroke="#333"/>`,
    `<text x="${M.left + pw / 2}" y="${H - bottom + 34}" text-anchor="middle" font-size="12">${escapeXml(spec.xLabel)}</text>`,
    `<text x="14" y="${M.top + ph / 2}" text-anchor="middle" font-size="12" transform="rotate(-90 14 ${M.top + ph / 2})">${escapeXml(spec.yLabel)}</text>`,
  );
  return { x, y, body };
}

function legend(series: readonly ChartSeries[]): string[] {
  const out: string[] = [];
  const top = M.top + PH;
  series.forEach((s, i) => {
    const lx = M.left + (i % 2) * 290;
    const ly = top + 52 + Math.floor(i / 2) * 16;
    const { color, marker: shape, dash } = lookOf(s, i);
    out.push(
      `<line x1="${lx}" y1="${ly}" x2="${lx + 22}" y2="${ly}" stroke="${color}" stroke-width="2"${dashAttr(s, dash)}/>`,
      `<text x="${lx + 28}" y="${ly}" dominant-baseline="middle" font-size="11">${escapeXml(s.name)}</text>`,
    );
    if (!s.dashed) out.push(marker(shape, lx + 11, ly, 3.5, color));
  });
  return out;
}

function wrap(body: string[], title: string, n: number): string {
  const { h } = layout(n);
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${h}" width="${W}" height="${h}" font-family="sans-serif" role="img" aria-label="${escapeXml(title)}">\n${body.join("\n")}\n</svg>\n`;
}

function path(f: Frame, pts: readonly (readonly [number, number])[]): string {
  return pts.map((p, k) => `${k ? "L" : "M"}${f.x(p[0]).toFixed(1)},${f.y(p[1]).toFixed(1)}`).join(" ");
}

/** The band of a series: a translucent polygon from its low to its high values. */
function band(f: Frame, s: ChartSeries, color: string): string[] {
  if (!s.band?.length) return [];
  const upper = s.band.map(([x, , hi]) => [x, hi] as const);
  const lower = s.band.map(([x, lo]) => [x, lo] as const).reverse();
  return [
    `<path class="band" d="${path(f, [...upper, ...lower])} Z" fill="${color}" fill-opacity="0.15" stroke="none"/>`,
  ];
}

function errorBars(f: Frame, s: ChartSeries, color: string): string[] {
  return (s.errors ?? []).flatMap(([xl, xh, yl, yh], k) => {
    const p = s.points[k];
    if (!p) return [];
    const [px, py] = [f.x(p[0]).toFixed(1), f.y(p[1]).toFixed(1)];
    return [
      `<line x1="${f.x(xl).toFixed(1)}" y1="${py}" x2="${f.x(xh).toFixed(1)}" y2="${py}" stroke="${color}" stroke-opacity="0.6"/>`,
      `<line x1="${px}" y1="${f.y(yl).toFixed(1)}" x2="${px}" y2="${f.y(yh).toFixed(1)}" stroke="${color}" stroke-opacity="0.6"/>`,
    ];
  });
}

function labels(f: Frame, s: ChartSeries): string[] {
  return (s.labels ?? []).flatMap((t, k) => {
    const p = s.points[k];
    if (!p || !t) return [];
    // right of the point, or left of it in the right third of the plot (so it stays inside)
    const px = f.x(p[0]);
    const right = px > M.left + (W - M.left - M.right) * (2 / 3);
    return [
      `<text x="${(right ? px - 6 : px + 6).toFixed(1)}" y="${(f.y(p[1]) - 6).toFixed(1)}"${right ? ' text-anchor="end"' : ""} font-size="10" fill="#333">${escapeXml(t)}</text>`,
    ];
  });
}

/** A line chart (bands under the lines) as a standalone SVG document. */
export function lineChart(spec: ChartSpec): string {
  const f = frame(spec);
  spec.series.forEach((s, i) => {
    f.body.push(...band(f, s, lookOf(s, i).color));
  });
  spec.series.forEach((s, i) => {
    const { color, marker: shape, dash } = lookOf(s, i);
    const d = path(f, s.points);
    if (d) f.body.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"${dashAttr(s, dash)}/>`);
    if (!s.dashed) for (const p of s.points) f.body.push(marker(shape, f.x(p[0]), f.y(p[1]), 3, color));
  });
  return wrap([...f.body, ...legend(spec.series)], spec.title, spec.series.length);
}

/** A scatter chart (a look per series, optional error bars, labels and joining line) as a standalone SVG document. */
export function scatterChart(spec: ChartSpec): string {
  const f = frame(spec);
  spec.series.forEach((s, i) => {
    const { color, marker: shape, dash } = lookOf(s, i);
    f.body.push(...errorBars(f, s, color));
    if (s.joined && s.points.length > 1)
      f.body.push(
        `<path d="${path(f, s.points)}" fill="none" stroke="${color}" stroke-width="1.5"${dashAttr(s, dash)}/>`,
      );
    for (const p of s.points) f.body.push(marker(shape, f.x(p[0]), f.y(p[1]), 4, color));
    f.body.push(...labels(f, s));
  });
  return wrap([...f.body, ...legend(spec.series)], spec.title, spec.series.length);
}
