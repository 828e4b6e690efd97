import { splitmix64 } from "@ksm/mm";
import type { ContentSpec, Scenario } from "@ksm/scenario";

/** The content ids of the zero page; unique pages get ids from this number down. */
const ZERO = 0;
const FIRST_UNIQUE = -1;

/**
 * Page contents as small integers, equal if and only if the bytes are equal: zero is 0, a
 * unique page a fresh negative number, a pattern (with its pokes, canonicalised: a poke
 * that leaves a byte as it was changes nothing) an interned positive number.
 */
class ContentIds {
  private readonly interned = new Map<string, number>();
  private nextUnique = FIRST_UNIQUE;

  /** Ids of `count` pages filled with `spec`. */
  expand(spec: ContentSpec, count: number, out: Float64Array, at: number): void {
    if (spec === "zero") out.fill(ZERO, at, at + count);
    else if (spec === "unique") for (let i = 0; i < count; i++) out[at + i] = this.nextUnique--;
    else if ("pattern" in spec) out.fill(this.pattern(spec.pattern, spec.poke), at, at + count);
    else if ("bytes" in spec || "hash" in spec)
      out.fill(this.intern("bytes" in spec ? `b:${spec.bytes}` : `h:${spec.hash}`), at, at + count);
    else for (let i = 0; i < count; i++) out[at + i] = this.pattern(spec.sequence + i, spec.poke);
  }

  private pattern(seed: number, poke?: ReadonlyArray<readonly [number, number]>): number {
    let key = `${seed}`;
    if (poke?.length) {
      const bytes = new Map<number, number>();
      for (const [off, val] of poke) bytes.set(off, val);
      const word = splitmix64(BigInt(seed));
      const changed = [...bytes]
        .filter(([off, val]) => Number((word >> BigInt((off % 8) * 8)) & 0xffn) !== val)
        .sort((a, b) => a[0] - b[0]);
      if (changed.length) key += `:${changed.map(([o, v]) => `${o}=${v}`).join(",")}`;
    }
    return this.intern(key);
  }

  /** The id of a content known by `key`: a pattern's seed and pokes, or a captured page. */
  private intern(key: string): number {
    let id = this.interned.get(key);
    if (id === undefined) {
      id = this.interned.size + 1;
      this.interned.set(key, id);
    }
    return id;
  }
}

/** What perfect, instant deduplication would save at the end of a scenario. */
export interface BestSaving {
  /** Pages mapped at the end (every live process, every region). */
  readonly pages: number;
  /** Of them, in mergeable memory (MADV_MERGEABLE or PR_SET_MEMORY_MERGE). */
  readonly mergeablePages: number;
  /** Zero pages among the mergeable ones. */
  readonly zeroPages: number;
  /** Distinct contents among the mergeable pages (the zero page counted once, unless use_zero_pages). */
  readonly distinctContents: number;
  /** The saving of perfect instant dedup, in pages: mergeable pages − distinct contents. */
  readonly bestSavedPages: number;
}

interface Region {
  contents: Float64Array;
  mergeable: Uint8Array;
}

/**
 * The best possible saving of a scenario: replays its memory steps (fills, writes, forks,
 * exits, munmap, madvise, prctl, knob use_zero_pages) on content ids and counts, at the
 * end, the mergeable pages and their distinct contents. With use_zero_pages every zero
 * page is saved (merged with the kernel's zero page); without, the zero page is one more
 * content. Ignores max_page_sharing (which makes the kernel keep one KSM page per 256
 * sharers), so the kernel cannot always reach it.
 */
export function bestSaving(scenario: Scenario): BestSaving {
  return replay(scenario, () => {});
}

/**
 * The best possible saving at each report of a scenario (each `report` and `measure` step,
 * in order): the state the report describes, as {@link bestSaving} counts it at the end.
 */
export function bestSavingAtReports(scenario: Scenario): BestSaving[] {
  const out: BestSaving[] = [];
  replay(scenario, (b) => out.push(b()));
  return out;
}

function replay(scenario: Scenario, atReport: (best: () => BestSaving) => void): BestSaving {
  const ids = new ContentIds();
  const procs = new Map<string, { mergeAny: boolean; regions: Map<string, Region> }>();
  let useZeroPages = Number(scenario.knobs.use_zero_pages ?? 0) !== 0;
  for (const p of scenario.processes) {
    const regions = new Map<string, Region>();
    for (const r of p.regions) {
      const contents = new Float64Array(r.pages);
      for (const f of r.fill ?? []) {
        const [a, b] = f.range ?? [0, r.pages];
        ids.expand(f.content, b - a, contents, a);
      }
      regions.set(r.name, {
        contents,
        mergeable: new Uint8Array(r.pages).fill(r.mergeable === false ? 0 : 1),
      });
    }
    procs.set(p.name, { mergeAny: p.mergeAny === true, regions });
  }
  for (const s of scenario.steps) {
    switch (s.op) {
      case "report":
      case "measure":
        atReport(() => count(procs, useZeroPages));
        break;
      case "write":
      case "fill": {
        const r = procs.get(s.process)!.regions.get(s.region)!;
        const [a, b] = s.range ?? [0, r.contents.length];
        ids.expand(s.content, b - a, r.contents, a);
        break;
      }
      case "madvise": {
        const r = procs.get(s.process)!.regions.get(s.region)!;
        const [a, b] = s.range ?? [0, r.contents.length];
        r.mergeable.fill(s.advice === "mergeable" ? 1 : 0, a, b);
        break;
      }
      case "fork": {
        const parent = procs.get(s.process)!;
        const regions = new Map<string, Region>();
        for (const [name, r] of parent.regions)
          regions.set(name, { contents: r.contents.slice(), mergeable: r.mergeable.slice() });
        procs.set(s.child, { mergeAny: parent.mergeAny, regions });
        break;
      }
      case "exit":
        procs.delete(s.process);
        break;
      case "munmap":
        procs.get(s.process)!.regions.delete(s.region);
        break;
      case "prctl": {
        const p = procs.get(s.process)!;
        p.mergeAny = s.mergeAny ?? true;
        // PR_SET_MEMORY_MERGE 0 clears VM_MERGEABLE on every VMA
        if (!p.mergeAny) for (const r of p.regions.values()) r.mergeable.fill(0);
        break;
      }
      case "knob":
        if (s.name === "use_zero_pages") useZeroPages = Number(s.value) !== 0;
        break;
    }
  }
  return count(procs, useZeroPages);
}

function count(
  procs: ReadonlyMap<string, { mergeAny: boolean; regions: Map<string, Region> }>,
  useZeroPages: boolean,
): BestSaving {
  let pages = 0;
  let mergeablePages = 0;
  let zeroPages = 0;
  const distinct = new Set<number>();
  for (const p of procs.values())
    for (const r of p.regions.values()) {
      pages += r.contents.length;
      for (let i = 0; i < r.contents.length; i++) {
        if (!p.mergeAny && !r.mergeable[i]) continue;
        mergeablePages++;
        const c = r.contents[i]!;
        if (c === ZERO) zeroPages++;
        if (c !== ZERO || !useZeroPages) distinct.add(c);
      }
    }
  return {
    pages,
    mergeablePages,
    zeroPages,
    distinctContents: distinct.size,
    bestSavedPages: mergeablePages - distinct.size,
  };
}
