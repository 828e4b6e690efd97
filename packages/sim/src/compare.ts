/**
 * Compares a simulator record with the kernel's, as the oracle's compare.py does: every
 * field the kernel printed must be there with the same value (`seconds` is not compared;
 * extra fields are allowed). Returns the JSON path and both values of the first difference,
 * or null when the records match.
 */
export function firstDifference(kernel: unknown, sim: unknown, path = ""): string | null {
  if (kernel !== null && typeof kernel === "object" && !Array.isArray(kernel)) {
    if (sim === null || typeof sim !== "object")
      return `${path || "/"}: expected an object, got ${JSON.stringify(sim)}`;
    for (const [k, v] of Object.entries(kernel)) {
      if (k === "seconds") continue;
      if (!(k in sim)) return `${path}/${k}: missing`;
      const d = firstDifference(v, (sim as Record<string, unknown>)[k], `${path}/${k}`);
      if (d) return d;
    }
    return null;
  }
  return JSON.stringify(kernel) === JSON.stringify(sim)
    ? null
    : `${path}: kernel ${JSON.stringify(kernel)}, simulator ${JSON.stringify(sim)}`;
}
