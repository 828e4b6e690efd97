import type { SimRecord } from "./records.js";

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
