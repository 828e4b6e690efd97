/** Escapes a Markdown table cell (pipes and line breaks). */
export function mdCell(v: unknown): string {
  const s = v === null || v === undefined ? "" : String(v);
  return s.replaceAll("|", "\\|").replace(/\r?\n/g, " ");
}

/**
 * A Markdown (GFM) table; `align` per column, "r" for right-aligned (numbers), else left.
 * Columns are padded so the source reads as a table too.
 */
export function mdTable(
  header: readonly string[],
  rows: readonly (readonly unknown[])[],
  align: string = "",
): string {
  const cells = [header, ...rows].map((r) => header.map((_, i) => mdCell(r[i])));
  const width = header.map((_, i) => Math.max(3, ...cells.map((r) => r[i]!.length)));
  const right = (i: number) => align[i] === "r";
  const line = (r: string[]) =>
    `| ${r.map((c, i) => (right(i) ? c.padStart(width[i]!) : c.padEnd(width[i]!))).join(" | ")} |`;
  const rule = `| ${width.map((w, i) => (right(i) ? `${"-".repeat(w - 1)}:` : "-".repeat(w))).join(" | ")} |`;
  return `${[line(cells[0]!), rule, ...cells.slice(1).map(line)].join("\n")}\n`;
}
