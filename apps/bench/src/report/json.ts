/** The line width of the repository's formatter (biome.json). */
const WIDTH = 110;

/**
 * JSON laid out as the repository's formatter (Biome) lays it out, so that files the bench
 * writes stay lint-clean: objects one member a line, arrays of plain values on one line
 * when they fit, else one item a line; two spaces of indentation.
 */
export function formatJson(value: unknown): string {
  return `${format(value, "", 0)}\n`;
}

function isPlain(v: unknown): boolean {
  return v === null || typeof v !== "object";
}

function format(v: unknown, indent: string, used: number): string {
  if (isPlain(v)) return JSON.stringify(v) ?? "null";
  const inner = `${indent}  `;
  if (Array.isArray(v)) {
    if (v.length === 0) return "[]";
    if (v.every(isPlain)) {
      const flat = `[${v.map((x) => JSON.stringify(x) ?? "null").join(", ")}]`;
      if (indent.length + used + flat.length <= WIDTH) return flat;
    }
    return `[\n${v.map((x) => `${inner}${format(x, inner, 0)}`).join(",\n")}\n${indent}]`;
  }
  const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
  if (entries.length === 0) return "{}";
  return `{\n${entries
    .map(([k, x]) => {
      const key = `${JSON.stringify(k)}: `;
      return `${inner}${key}${format(x, inner, key.length + 1)}`;
    })
    .join(",\n")}\n${indent}}`;
}
