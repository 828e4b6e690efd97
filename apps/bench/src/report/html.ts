import type { CellResult } from "../cell.js";
import type { Chart } from "./charts.js";
import { paretoLists } from "./charts.js";
import { summarise } from "./summary.js";
import { escapeXml } from "./svg.js";
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
import type { RunInfo } from "./write.js";

/**
 * Sorts a table by the column whose header is clicked (again: the other way): numbers by
 * their leading value ("5.0 ± 0.2" by 5.0, "–" last), text alphabetically.
 */
const SORT_SCRIPT = `
document.querySelectorAll("table.sortable").forEach(function (table) {
  table.querySelectorAll("th").forEach(function (th, col) {
    th.tabIndex = 0;
    th.title = "sort by this column";
    function sort() {
      var up = th.getAttribute("aria-sort") !== "ascending";
      table.querySelectorAll("th").forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", up ? "ascending" : "descending");
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      var key = function (r) { var t = r.cells[col].textContent; var n = parseFloat(t); return isNaN(n) ? t : n; };
      rows.sort(function (a, b) {
        var x = key(a), y = key(b);
        var nx = typeof x === "number", ny = typeof y === "number";
        var c = nx && ny ? x - y : nx ? -1 : ny ? 1 : String(x).localeCompare(String(y));
        return up || nx !== ny ? c : -c;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    }
    th.addEventListener("click", sort);
    th.addEventListener("keydown", function (e) { if (e.key === "Enter") sort(); });
  });
});`;

/** An id for an HTML anchor from free text. */
function anchor(text: string): string {
  return text.replace(/[^\w-]+/g, "-");
}

function table(t: ReportTable, id: string): string {
  const head = t.header.map((h) => `<th>${escapeXml(h)}</th>`).join("");
  const rows = t.rows
    .map(
      (r) =>
        `<tr>${r.map((c, i) => `<td${t.align[i] === "r" ? ' class="n"' : ""}>${escapeXml(c)}</td>`).join("")}</tr>`,
    )
    .join("\n");
  return `<table class="sortable" id="${id}"><thead><tr>${head}</tr></thead><tbody>\n${rows}\n</tbody></table>`;
}

/**
 * report.html: one self-contained page: an index, the summary and differences tables
 * (sortable by any column, a few lines of inline script), the Pareto frontiers, the variants
 * without effect, and every chart inline, by workload.
 */
export function reportHtml(results: readonly CellResult[], info: RunInfo, figs: readonly Chart[]): string {
  const rows = summarise(results);
  const workloads = [...new Set(results.map((r) => r.spec.workload))];
  const none = noEffectList(rows);
  const sections: [string, string][] = [
    ["summary", "Summary"],
    ["differences", "Differences from the default"],
    ["pareto", "Pareto frontiers"],
    ...(none.length ? ([["no-effect", "No effect"]] as [string, string][]) : []),
    ...workloads.map((w) => [`w-${anchor(w)}`, `Charts: ${w}`] as [string, string]),
  ];
  const index = sections.map(([id, t]) => `<li><a href="#${id}">${escapeXml(t)}</a></li>`).join("\n");
  const li = (xs: readonly string[]) =>
    `<ul>\n${xs.map((x) => `<li>${escapeXml(x)}</li>`).join("\n")}\n</ul>`;
  const pareto = [...paretoLists(results, info.calibration)].map(([w, f]) => `${w}: ${f.join(" → ")}`);
  const figures = workloads
    .map((w) => {
      const mine = figs
        .filter((c) => c.workload === w)
        .map(
          (c) =>
            `<figure id="${anchor(c.file)}">${c.svg}<figcaption>${escapeXml(c.file)}</figcaption></figure>`,
        )
        .join("\n");
      return `<h2 id="w-${anchor(w)}">${escapeXml(w)}</h2>\n<div class="charts">\n${mine}\n</div>`;
    })
    .join("\n");
  const m = info.machine;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>KSM benchmark matrix</title>
<style>
body{font-family:sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;font-size:13px}
th,td{border:1px solid #ccc;padding:3px 8px}
th{background:#f3f3f3;cursor:pointer;user-select:none}
th[aria-sort=ascending]::after{content:" \\25B2"}
th[aria-sort=descending]::after{content:" \\25BC"}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.charts{display:flex;flex-wrap:wrap;gap:16px}
figure{margin:0}
figcaption{font-size:11px;color:#666}
</style></head><body>
<h1>KSM benchmark matrix</h1>
<p>Made by <code>${escapeXml(info.command)}</code> on ${escapeXml(info.date)}: ${escapeXml(String(m.cpus))} CPUs (${escapeXml(String(m.cpuModel))}), Linux ${escapeXml(String(m.kernel))}, Node ${escapeXml(String(m.node))}; ${results.length} cells ${escapeXml(ranOn(info))} in ${info.elapsedSeconds.toFixed(1)} s.</p>
<nav><h2>Contents</h2><ol>
${index}
</ol></nav>
<h2 id="summary">Summary</h2>
<p>${escapeXml(SUMMARY_NOTE)} ${escapeXml(modelNote(info.calibration, results))} Click a column's header to sort by it.</p>
${table(summaryTable(rows), "summary-table")}
<h2 id="differences">Differences from the profile's default</h2>
<p>${escapeXml(DIFFERENCE_NOTE)}</p>
${table(differenceTable(rows), "differences-table")}
<h2 id="pareto">Pareto frontiers</h2>
<p>${escapeXml(PARETO_NOTE)}</p>
${li(pareto)}
${none.length ? `<h2 id="no-effect">No effect</h2>\n<p>${escapeXml(NO_EFFECT_NOTE)}</p>\n${li(none)}` : ""}
${figures}
<script>${SORT_SCRIPT}
</script>
</body></html>
`;
}
