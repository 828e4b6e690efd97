// report.html in a real browser: Debian's chromium, headless (.ci/run installs it). Where
// no browser is installed (or CHROMIUM names none), the test is skipped and says why.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { listPolicies } from "@ksm/sim";
import puppeteer from "puppeteer-core";
import { describe, expect, it } from "vitest";
import { planMatrix, reportFiles, runMatrix } from "../src/index.js";

function findBrowser(): { path: string | null; why: string | null } {
  const named = process.env.CHROMIUM;
  if (named)
    return existsSync(named)
      ? { path: named, why: null }
      : { path: null, why: `CHROMIUM=${named} does not exist` };
  for (const name of ["chromium", "chromium-browser", "google-chrome"])
    try {
      const path = execFileSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).trim();
      if (path) return { path, why: null };
    } catch {
      // not this one
    }
  return {
    path: null,
    why: "no chromium, chromium-browser or google-chrome on PATH (apt-get install chromium)",
  };
}

const browser = findBrowser();
if (browser.why) console.warn(`report-html.test.ts: browser check of report.html skipped: ${browser.why}`);

describe.skipIf(browser.path === null)("report.html in headless Chromium", () => {
  it("has a working index, tables that sort, and charts that render", async () => {
    const results = await runMatrix(
      planMatrix(listPolicies(), {
        workloads: ["zero-heavy"],
        seeds: [1, 2, 3],
        profiles: ["linux-6.18"],
        axes: ["tree", "checksum"],
        params: { "zero-heavy": { pages: 96, scans: 3 } },
      }),
      {
        workers: 0,
        // tree nodes visited differ between the tree variants, so the estimate does too
        model: {
          features: ["pages_scanned", "tree_nodes_visited"],
          nsPer: { pages_scanned: 1000, tree_nodes_visited: 300 },
        },
      },
    );
    const files = reportFiles(results, {
      command: "test",
      date: "2026-01-01",
      machine: { cpus: 2, cpuModel: "test", kernel: "6.18", node: "20" },
      elapsedSeconds: 1,
      workers: 0,
      calibration: null,
    });
    const dir = mkdtempSync(join(tmpdir(), "ksm-bench-html-"));
    writeFileSync(join(dir, "report.html"), files["report.html"]!);
    const chrome = await puppeteer.launch({
      executablePath: browser.path!,
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
    });
    try {
      const page = await chrome.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(String(e)));
      page.on("console", (m) => {
        if (m.type() === "error") errors.push(m.text());
      });
      await page.goto(`file://${join(dir, "report.html")}`, { waitUntil: "load" });

      // every index entry leads to a heading on the page
      const targets = await page.$$eval("nav a", (as) =>
        as.map((a) => a.ownerDocument.getElementById(a.getAttribute("href")!.slice(1)) !== null),
      );
      expect(targets.length).toBeGreaterThanOrEqual(4);
      expect(targets.every(Boolean)).toBe(true);

      // clicking "est. ksmd CPU s" sorts the summary by it, ascending, then descending
      const column = await page.$$eval("#summary-table th", (ths) =>
        ths.findIndex((t) => t.textContent === "est. ksmd CPU s"),
      );
      expect(column).toBeGreaterThan(0);
      const values = () =>
        page.$$eval(
          "#summary-table tbody tr",
          (trs, col) => trs.map((tr) => Number.parseFloat(tr.children[col as number]!.textContent!)),
          column,
        );
      const before = await values();
      expect(new Set(before).size).toBeGreaterThan(1);
      const header = (await page.$$("#summary-table th"))[column]!;
      await header.click();
      const up = await values();
      expect(up).toEqual([...before].sort((a, b) => a - b));
      await header.click();
      expect(await values()).toEqual([...before].sort((a, b) => b - a));
      expect(
        await page.$eval(`#summary-table th:nth-child(${column + 1})`, (t) => t.getAttribute("aria-sort")),
      ).toBe("descending");

      // every chart file is on the page, laid out, with its lines or points drawn
      const svgs = Object.keys(files).filter((f) => f.endsWith(".svg"));
      const drawn = await page.$$eval("figure svg", (ss) =>
        ss.map((s) => {
          const box = s.getBoundingClientRect();
          return { w: box.width, h: box.height, marks: s.querySelectorAll("path, circle, rect").length };
        }),
      );
      expect(drawn).toHaveLength(svgs.length);
      for (const d of drawn) {
        expect(d.w).toBeGreaterThan(300);
        expect(d.h).toBeGreaterThan(200);
        expect(d.marks).toBeGreaterThan(3);
      }
      expect(errors).toEqual([]);
    } finally {
      await chrome.close();
    }
  });
});
