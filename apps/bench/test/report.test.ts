import { describe, expect, it } from "vitest";
import { csvField, escapeXml, lineChart, mdTable, niceTicks, scatterChart, toCsv } from "../src/index.js";

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
    expect(svg.match(/<circle /g)).toHaveLength(5 + 1);
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
