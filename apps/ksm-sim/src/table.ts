import type { SimRecord, TimelineKnobs, TimelinePoint } from "@ksm/sim";

/** A record as a readable block: the global counters, then one row per process. */
export function formatRecord(r: SimRecord): string {
  if ("verify" in r)
    return `[${r.label}] verify: ${r.verify.badPages === 0 ? "ok" : `${r.verify.badPages} bad pages`}\n`;
  const lines = [
    `[${r.label}] after ${r.fullScans} full scans${r.seconds === undefined ? "" : `, ${r.seconds} s`}`,
  ];
  for (const [k, v] of Object.entries(r.counters)) lines.push(`  ${k.padEnd(20)} ${String(v).padStart(12)}`);
  const cols = ["ksm_rmap_items", "ksm_merging_pages", "ksm_zero_pages", "ksm_process_profit"] as const;
  const names = Object.keys(r.processes);
  if (names.length > 0) {
    const w = Math.max(7, ...names.map((n) => n.length));
    lines.push(
      `  ${"process".padEnd(w)}  ${cols.map((c) => c.replace("ksm_", "").padStart(15)).join("")}  mergeable`,
    );
    for (const n of names) {
      const s = r.processes[n]!;
      lines.push(
        `  ${n.padEnd(w)}  ${cols.map((c) => String(s[c]).padStart(15)).join("")}  ${s.ksm_mergeable}`,
      );
    }
  }
  return `${lines.join("\n")}\n`;
}

/** The timeline as a table: one row per full scan. */
export function formatTimeline(points: readonly TimelinePoint[], knobs: TimelineKnobs): string {
  const head = [
    "full scan",
    "time s",
    "ksmd CPU s",
    "pages_shared",
    "pages_sharing",
    "ksm_zero_pages",
    "saved MiB",
  ];
  const rows = points.map((p) => [
    String(p.fullScans),
    p.seconds.toFixed(2),
    p.cpuSeconds.toFixed(3),
    String(p.pagesShared),
    String(p.pagesSharing),
    String(p.ksmZeroPages),
    p.savedMiB.toFixed(2),
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `  ${cells.map((c, i) => c.padStart(w[i]!)).join("  ")}`;
  const last = points.at(-1);
  const summary = last
    ? `  saved ${last.savedMiB.toFixed(2)} MiB after ${last.seconds.toFixed(2)} s of ksmd (${last.fullScans} full scans), ` +
      `${last.cpuSeconds.toFixed(3)} s of ksmd CPU (${((100 * last.cpuSeconds) / Math.max(last.seconds, 1e-9)).toFixed(1)} %)`
    : "  ksmd has nothing to scan";
  return `${[
    `[timeline] ksmd at pages_to_scan=${knobs.pagesToScan} sleep_millisecs=${knobs.sleepMillisecs}`,
    line(head),
    ...rows.map(line),
    summary,
  ].join("\n")}\n`;
}
