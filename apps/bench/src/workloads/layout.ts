import type { ContentSpec, FillSpec, Step } from "@ksm/scenario";
import type { Rng } from "../prng.js";

/**
 * Splits `blocks` blocks among kinds in proportion to their fractions (largest remainder,
 * so the counts add up exactly) and shuffles them with `rng`: a region's layout.
 */
export function blockKinds<K extends string>(
  rng: Rng,
  blocks: number,
  fractions: readonly (readonly [K, number])[],
): K[] {
  const total = fractions.reduce((s, [, f]) => s + Math.max(0, f), 0);
  if (total <= 0) throw new RangeError("block fractions add up to nothing");
  const exact = fractions.map(([k, f]) => [k, (Math.max(0, f) / total) * blocks] as const);
  const counts = exact.map(([k, x]) => [k, Math.floor(x), x - Math.floor(x)] as [K, number, number]);
  let left = blocks - counts.reduce((s, c) => s + c[1], 0);
  const byRemainder = counts.map((c, i) => [i, c[2]] as const).sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  for (const [i] of byRemainder) {
    if (left <= 0) break;
    counts[i]![1]++;
    left--;
  }
  const out: K[] = [];
  for (const [k, n] of counts) for (let i = 0; i < n; i++) out.push(k);
  return rng.shuffle(out);
}

/** The `[from, to)` page ranges of the blocks for which `pick(block)` holds, consecutive blocks merged. */
export function blockRanges(
  blocks: number,
  blockPages: number,
  pick: (block: number) => boolean,
): [number, number][] {
  const out: [number, number][] = [];
  for (let b = 0; b < blocks; b++) {
    if (!pick(b)) continue;
    const last = out[out.length - 1];
    if (last && last[1] === b * blockPages) last[1] += blockPages;
    else out.push([b * blockPages, (b + 1) * blockPages]);
  }
  return out;
}

/** Fill entries for ranges; `content(from)` gives each range's content (a sequence can start at `from`). */
export function fills(
  ranges: readonly [number, number][],
  content: (from: number) => ContentSpec,
): FillSpec[] {
  return ranges.map(([a, b]) => ({ range: [a, b] as const, content: content(a) }));
}

/** `count` distinct blocks out of `candidates`, chosen with `rng`, in increasing order. */
export function chooseBlocks(rng: Rng, candidates: readonly number[], count: number): number[] {
  const pool = [...candidates];
  const n = Math.min(count, pool.length);
  for (let i = 0; i < n; i++) {
    const j = i + rng.int(pool.length - i);
    const t = pool[i]!;
    pool[i] = pool[j]!;
    pool[j] = t;
  }
  return pool.slice(0, n).sort((a, b) => a - b);
}

/**
 * The steps of a timeline: `scans` times one full scan and a report labelled `scan N`, with
 * `between(n)` (writes, forks, …) after the report of scan n, except after the last one.
 */
export function timelineSteps(scans: number, between: (scan: number) => Step[] = () => []): Step[] {
  const steps: Step[] = [];
  for (let s = 1; s <= scans; s++) {
    steps.push({ op: "scan" }, { op: "report", label: `scan ${s}` });
    if (s < scans) steps.push(...between(s));
  }
  return steps;
}

/**
 * Knobs every timeline workload pins so that it runs the same on the kernel oracle: chain
 * pruning follows the wall clock on the kernel and the simulated clock in the model, so it
 * is set far longer than any run (as the shared examples do).
 */
export const PINNED_KNOBS = { stable_node_chains_prune_millisecs: 3_600_000 } as const;
