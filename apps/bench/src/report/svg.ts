/** A named set of points of a chart. */
export interface ChartSeries {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
  /** Draw as a grey reference line (such as the best possible saving). */
  readonly dashed?: boolean;
  /** Palette index of the colour (default: the series' index). */
  readonly color?: number;
  /** 0: solid line, circles; 1: dashed, squares; 2: dotted, triangles (a second grouping, e.g. profiles). */
  readonly style?: number;
}

const DASH = ["", ' stroke-dasharray="7 3"', ' stroke-dasharray="2 2"'];
const REFERENCE = ' stroke-dasharray="10 4" stroke-opacity="0.7"';

function colorOf(s: ChartSeries, i: number): string {
  return s.dashed ? "#666" : PALETTE[(s.color ?? i) % PALETTE.length]!;
}

function dashOf(s: ChartSeries): string {
  return s.dashed ? REFERENCE : DASH[(s.style ?? 0) % DASH.length]!;
}

/** A marker (circle, square or triangle by style) at (x, y). */
function marker(style: number, x: number, y: number, r: number, color: string): string {
  const X = x.toFixed(1);
  const Y = y.toFixed(1);
  switch (style % 3) {
    case 1:
      return `<rect x="${(x - r).toFixed(1)}" y="${(y - r).toFixed(1)}" width="${2 * r}" height="${2 * r}" fill="${color}" fill-opacity="0.8"/>`;
    case 2:
      return `<path d="M${X},${(y - r * 1.2).toFixed(1)} L${(x + r * 1.1).toFixed(1)},${(y + r * 0.8).toFixed(1)} L${(x - r * 1.1).toFixed(1)},${(y + r * 0.8).toFixed(1)} Z" fill="${color}" fill-opacity="0.8"/>`;
    default:
      return `<circle cx="${X}" cy="${Y}" r="${r}" fill="${color}" fill-opacity="0.8"/>`;
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
  /** Leave 5 % of room right of the largest x (scatter charts). */
  readonly padX?: boolean;
}

/** Colours of the series, in order (colour-blind safe, Okabe–Ito). */
export const PALETTE = [
  "#0072B2",
  "#E69F00",
  "#009E73",
  "#CC79A7",
  "#56B4E9",
  "#D55E00",
  "#F0E442",
  "#000000",
];

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
  return Number.isInteger(v) ? String(v) : v.toFixed(2).replace(/\.?0+$/, "");
}

/** About `count` round tick values covering [lo, hi]; whole numbers only when `integer`. */
export function niceTicks(lo: number, hi: number, count = 5, integer = false): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const steps = (integer ? [1, 2, 5, 10] : [1, 2, 2.5, 5, 10])
    .map((m) => m * mag)
    .filter((s) => !integer || s >= 1);
  const step = steps.find((s) => s >= raw) ?? steps[steps.length - 1] ?? 1;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step)
    out.push(Number(v.toPrecision(12)));
  return out;
}

interface Frame {
  x: (v: number) => number;
  y: (v: number) => number;
  body: string[];
}

function frame(spec: ChartSpec, xs: number[], ys: number[]): Frame {
  const { bottom, h: H } = layout(spec.series.length);
  const x0 = Math.min(0, ...xs);
  const x1 = Math.max(x0 + 1e-9, ...xs) * (spec.padX ? 1.05 : 1);
  const y0 = Math.min(0, ...ys);
  const y1 = Math.max(y0 + 1e-9, ...ys) * 1.05;
  const xt = niceTicks(
    x0,
    x1,
    5,
    xs.every((v) => Number.isInteger(v)),
  );
  const yt = niceTicks(y0, y1);
  const xMax = Math.max(x1, xt[xt.length - 1] ?? x1);
  const yMax = Math.max(y1, yt[yt.length - 1] ?? y1);
  const pw = W - M.left - M.right;
  const ph = PH;
  const x = (v: number) => M.left + ((v - x0) / (xMax - x0)) * pw;
  const y = (v: number) => M.top + ph - ((v - y0) / (yMax - y0)) * ph;
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
  const perRow = 2;
  series.forEach((s, i) => {
    const col = i % perRow;
    const row = Math.floor(i / perRow);
    const lx = M.left + col * 290;
    const ly = top + 52 + row * 16;
    const color = colorOf(s, i);
    out.push(
      `<line x1="${lx}" y1="${ly}" x2="${lx + 18}" y2="${ly}" stroke="${color}" stroke-width="2"${dashOf(s)}/>`,
      `<text x="${lx + 24}" y="${ly}" dominant-baseline="middle" font-size="11">${escapeXml(s.name)}</text>`,
    );
    if (!s.dashed) out.push(marker(s.style ?? 0, lx + 9, ly, 3, color));
  });
  return out;
}

function wrap(body: string[], title: string, n: number): string {
  const { h } = layout(n);
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${h}" width="${W}" height="${h}" font-family="sans-serif" role="img" aria-label="${escapeXml(title)}">\n${body.join("\n")}\n</svg>\n`;
}

/** A line chart as a standalone SVG document. */
export function lineChart(spec: ChartSpec): string {
  const xs = spec.series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = spec.series.flatMap((s) => s.points.map((p) => p[1]));
  const f = frame(spec, xs, ys);
  spec.series.forEach((s, i) => {
    const color = colorOf(s, i);
    const d = s.points
      .map((p, k) => `${k ? "L" : "M"}${f.x(p[0]).toFixed(1)},${f.y(p[1]).toFixed(1)}`)
      .join(" ");
    if (d) f.body.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"${dashOf(s)}/>`);
    if (!s.dashed)
      for (const p of s.points) f.body.push(marker(s.style ?? 0, f.x(p[0]), f.y(p[1]), 2.5, color));
  });
  return wrap([...f.body, ...legend(spec.series)], spec.title, spec.series.length);
}

/** A scatter chart (one colour per series) as a standalone SVG document. */
export function scatterChart(chart: ChartSpec): string {
  const spec = { ...chart, padX: true };
  const xs = spec.series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = spec.series.flatMap((s) => s.points.map((p) => p[1]));
  const f = frame(spec, xs, ys);
  spec.series.forEach((s, i) => {
    const color = colorOf(s, i);
    for (const p of s.points) f.body.push(marker(s.style ?? 0, f.x(p[0]), f.y(p[1]), 4, color));
  });
  return wrap([...f.body, ...legend(spec.series)], spec.title, spec.series.length);
}
