import { describe, expect, it } from "vitest";
import {
  axisRange,
  csvField,
  escapeXml,
  lineChart,
  MAX_SERIES,
  mdTable,
  niceTicks,
  PALETTE,
  panels,
  paretoFrontier,
  scatterChart,
  seriesLook,
  toCsv,
} from "../src/index.js";

/** Checks that every tag of an XML document is closed in order (a small well-formedness check). */
function wellFormed(xml: string): boolean {
  const stack: string[] = [];
  for (const m of xml.matchAll(/<(\/?)([a-zA-Z][\w-]*)[^>]*?(\/?)>/g)) {
    const [, close, name, selfClose] = m;
    if (selfClose) continue;
    if (close) {
      if (stack.pop() !== name) return false;
    } else stack.push(name!);
  }
  return stack.length === 0 && !/&(?!(lt|gt|amp|quot|apos);)/.test(xml);
}

describe("CSV", () => {
  it("quotes fields with commas, quotes and line breaks", () => {
    expect(csvField("a,b")).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("x\ny")).toBe('"x\ny"');
    expect(csvField(null)).toBe("");
    expect(csvField(1.5)).toBe("1.5");
  });

  it("writes a header and one line per row", () => {
    const csv = toCsv(
      ["a", "b"],
      [
        [1, "x,y"],
        [2, null],
      ],
    );
    expect(csv).toBe('a,b\n1,"x,y"\n2,\n');
  });
});

describe("Markdown table", () => {
  it("has a header, a rule and aligned rows with the same number of cells", () => {
    const t = mdTable(
      ["name", "n"],
      [
        ["a|b", 1],
        ["c", 22],
      ],
      "lr",
    );
    const lines = t.trim().split("\n");
    expect(lines).toHaveLength(4);
    expect(lines[1]).toMatch(/^\| -+ \| -+: \|$/);
    expect(lines[2]).toContain("a\\|b");
    const cells = (l: string) => l.split(/(?<!\\)\|/).length;
    expect(new Set(lines.map(cells)).size).toBe(1);
    expect(new Set(lines.map((l) => l.length)).size).toBe(1);
  });
});

describe("SVG charts", () => {
  const spec = {
    title: "saved <MiB> & more",
    xLabel: "full scans",
    yLabel: "MiB",
    series: [
      {
        name: "a",
        points: [
          [1, 0],
          [2, 5],
          [3, 7],
        ] as [number, number][],
      },
      {
        name: "best",
        points: [
          [0, 8],
          [3, 8],
        ] as [number, number][],
        dashed: true,
      },
    ],
  };

  it("writes a well-formed line chart with escaped text", () => {
    const svg = lineChart(spec);
    expect(svg.startsWith("<svg xmlns=")).toBe(true);
    expect(wellFormed(svg)).toBe(true);
    expect(svg).toContain("saved &lt;MiB&gt; &amp; more");
    expect(svg).toContain("stroke-dasharray");
    expect(svg.match(/<path /g)).toHaveLength(2);
  });

  it("writes a well-formed scatter chart with a point per sample", () => {
    const svg = scatterChart(spec);
    expect(wellFormed(svg)).toBe(true);
    // series "a" (circles): 3 points and its legend entry; "best" takes the next look (squares)
    expect(svg.match(/<circle /g)).toHaveLength(3 + 1);
  });

  it("gives each of 8 series its own colour, and neighbours other markers and dashes", () => {
    const looks = Array.from({ length: MAX_SERIES }, (_, i) => seriesLook(i));
    expect(new Set(looks.map((l) => l.color)).size).toBe(MAX_SERIES);
    for (let i = 1; i < looks.length; i++) {
      expect(looks[i]!.marker).not.toBe(looks[i - 1]!.marker);
      expect(looks[i]!.dash).not.toBe(looks[i - 1]!.dash);
    }
    for (const c of looks.map((l) => l.color)) expect(PALETTE).toContain(c);
  });

  it("fits the axes to the data instead of starting at 0 when that would squash it", () => {
    const [lo, hi] = axisRange(90, 100);
    expect(lo).toBeGreaterThan(80);
    expect(lo).toBeLessThanOrEqual(90);
    expect(hi).toBeGreaterThanOrEqual(100);
    expect(axisRange(10, 100)[0]).toBe(0);
    const [a, b] = axisRange(5, 5);
    expect(a).toBeLessThan(5);
    expect(b).toBeGreaterThan(5);
    // the y tick labels of a chart of values 90-100 start near 90
    const svg = lineChart({
      ...spec,
      series: [
        {
          name: "x",
          points: [
            [1, 90],
            [2, 100],
          ],
        },
      ],
    });
    const yTicks = [
      ...svg.matchAll(/text-anchor="end" dominant-baseline="middle" font-size="11">([\d.]+)</g),
    ].map((m) => Number(m[1]));
    expect(Math.min(...yTicks)).toBeGreaterThan(80);
  });

  it("draws the seeds' spread as a band under the line", () => {
    const svg = lineChart({
      ...spec,
      series: [
        {
          name: "x",
          points: [
            [1, 5],
            [2, 6],
          ],
          band: [
            [1, 4, 6],
            [2, 5, 8],
          ],
        },
      ],
    });
    expect(wellFormed(svg)).toBe(true);
    expect(svg.match(/class="band"/g)).toHaveLength(1);
  });

  it("copes with a single point and an empty series", () => {
    expect(
      wellFormed(
        lineChart({
          ...spec,
          series: [
            { name: "x", points: [[0, 0]] },
            { name: "y", points: [] },
          ],
        }),
      ),
    ).toBe(true);
  });

  it("picks round ticks", () => {
    expect(niceTicks(0, 10)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0, 163)).toEqual([0, 50, 100, 150]);
    expect(niceTicks(0, 12, 5, true)).toEqual([0, 5, 10]);
    expect(niceTicks(0, 3, 5, true)).toEqual([0, 1, 2, 3]);
    expect(escapeXml(`<a href="x">'`)).toBe("&lt;a href=&quot;x&quot;&gt;&apos;");
  });
});

describe("chart layout", () => {
  const line = (profile: string, variant: string) => ({ profile, variant, cells: [] });

  it("keeps up to 8 lines in one chart, else one per profile, each with its default", () => {
    const few = ["default", "a", "b"].flatMap((v) => [line("p1", v), line("p2", v)]);
    expect(panels(few)).toHaveLength(1);
    const many = ["default", "a", "b", "c", "d"].flatMap((v) => [line("p1", v), line("p2", v)]);
    const ps = panels(many);
    expect(ps.map((p) => p.suffix)).toEqual(["-p1", "-p2"]);
    for (const p of ps) expect(p.lines.length).toBeLessThanOrEqual(MAX_SERIES);
    // the same variant looks the same in both
    expect(ps[0]!.styles).toEqual(ps[1]!.styles);
    const huge = panels(Array.from({ length: 12 }, (_, i) => line("p1", i ? `v${i}` : "default")));
    expect(huge).toHaveLength(2);
    for (const p of huge) {
      expect(p.lines[0]!.variant).toBe("default");
      expect(p.lines.length).toBeLessThanOrEqual(MAX_SERIES);
    }
    expect(new Set(huge.flatMap((p) => p.lines.map((l) => l.variant))).size).toBe(12);
  });

  it("finds the Pareto frontier: nothing saves as much for less", () => {
    const pts = [
      { n: "cheap", x: 1, y: 10 },
      { n: "worse", x: 2, y: 9 },
      { n: "mid", x: 3, y: 20 },
      { n: "tie-cost-worse", x: 3, y: 15 },
      { n: "top", x: 5, y: 25 },
      { n: "waste", x: 6, y: 25 },
    ];
    expect(
      paretoFrontier(
        pts,
        (p) => p.x,
        (p) => p.y,
      ).map((p) => p.n),
    ).toEqual(["cheap", "mid", "top"]);
  });
});
