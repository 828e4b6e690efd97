/**
 * A scenario that cannot run: `path` is the JSON path of the offending value
 * (`$.steps[3].range`), the message one paragraph saying what was expected there.
 */
export class ScenarioError extends Error {
  constructor(
    readonly path: string,
    readonly expected: string,
    readonly got?: unknown,
  ) {
    super(`at ${path}: expected ${expected}${got === undefined ? "" : `, got ${show(got)}`}`);
    this.name = "ScenarioError";
  }
}

function show(v: unknown): string {
  const s = JSON.stringify(v);
  if (s === undefined) return String(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
