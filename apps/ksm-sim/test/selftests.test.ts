import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { DEFAULT_KNOBS } from "@ksm/core";
import { parseScenario, type Scenario } from "@ksm/scenario";
import { buildSimulation, type ReportRecord, type SimRecord, simulate, validateKnob } from "@ksm/sim";
import { describe, expect, it } from "vitest";

// The kernel's KSM selftests (tools/testing/selftests/mm/ksm_functional_tests.c and
// ksm_tests.c) ported to scenarios in examples/selftests (see its README). Each case checks the
// selftest's own assertion on the simulator's records; fidelity.test.ts also compares every
// record with the kernel's recording.
const DIR = resolve(import.meta.dirname, "../../../examples/selftests");
const sim = await buildSimulation();

/** The records of one run, looked up by label. */
interface Run {
  readonly scenario: Scenario;
  /** The report labelled `label` (a missing label fails the test). */
  at(label: string): ReportRecord;
  /** The process's /proc/PID/ksm_stat at the report labelled `label`. */
  stat(label: string, process: string): ReportRecord["processes"][string];
  /** cow_ksm events between two reports: pages that got their own copy of a KSM page. */
  cowKsm(from: string, to: string): number;
  /** The bad pages of every verify step. */
  readonly badPages: number[];
}

function run(name: string): Run {
  const scenario = parseScenario(JSON.parse(readFileSync(join(DIR, `${name}.json`), "utf8")), validateKnob);
  const records: SimRecord[] = [...simulate(scenario, sim)];
  const at = (label: string): ReportRecord => {
    const r = records.find((x): x is ReportRecord => "counters" in x && x.label === label);
    if (!r) throw new Error(`${name}: no report labelled ${label}`);
    return r;
  };
  return {
    scenario,
    at,
    stat(label, process) {
      const s = at(label).processes[process];
      if (!s) throw new Error(`${name}: no process ${process} at ${label}`);
      return s;
    },
    cowKsm: (from, to) => at(to).vmstat.cow_ksm - at(from).vmstat.cow_ksm,
    badPages: records.flatMap((r) => ("verify" in r ? [r.verify.badPages] : [])),
  };
}

/** Pages of the scenario's region `region` of its first process. */
function regionPages(s: Scenario, region = "map"): number {
  const r = s.processes[0]?.regions.find((x) => x.name === region);
  if (!r) throw new Error(`no region ${region}`);
  return r.pages;
}

/**
 * ksm_tests.c's check of `pages_shared` / `pages_sharing` after merging `dupl` identical pages:
 * with chains of at most `max_page_sharing` mappings per KSM page, `dupl` pages make
 * ceil(dupl / mps) KSM pages, except that a single page left over (dupl % mps == 1) has nothing
 * to merge with; each KSM page is shared by all its mappings but one.
 */
function assertKsmPagesCount(r: ReportRecord, dupl: number, s: Scenario): void {
  const mps = Number(s.knobs.max_page_sharing ?? DEFAULT_KNOBS.max_page_sharing);
  const { pages_shared: shared, pages_sharing: sharing } = r.counters;
  if (dupl % mps === 0 || dupl % mps === 1) {
    expect(shared).toBe(Math.floor(dupl / mps));
    expect(sharing).toBe(shared * (mps - 1));
  } else {
    expect(shared).toBe(Math.floor(dupl / mps) + 1);
    expect(sharing).toBe(dupl - shared);
  }
}

/** `range_maps_duplicates()` is false once ksmd has revisited the range: no page maps a KSM page. */
function expectNothingMerged(r: ReportRecord, process = "test"): void {
  expect(r.processes[process]?.ksm_merging_pages).toBe(0);
  expect(r.counters.pages_shared).toBe(0);
  expect(r.counters.pages_sharing).toBe(0);
}

const P = "test";

/** ksm_tests.c's merge check: the region's identical pages all merged, two full scans on. */
const mergesEveryPage = (r: Run) => assertKsmPagesCount(r.at("merged"), regionPages(r.scenario), r.scenario);

const CASES: Record<string, (r: Run) => void> = {
  // --- ksm_functional_tests.c (2 MiB, ksmd at its default 100 pages a batch)
  "ksm-functional-unmerge": (r) => {
    const merged = r.stat("merged", P).ksm_merging_pages;
    expect(merged).toBeGreaterThan(0); // "No pages got merged" otherwise
    // MADV_UNMERGEABLE gives every page mapping a KSM page its own copy at once ...
    expect(r.cowKsm("merged", "unmerged")).toBe(merged);
    // ... and ksmd's next visit finds nothing merged
    expectNothingMerged(r.at("rescanned"));
  },
  "ksm-functional-unmerge-zero-pages": (r) => {
    const pages = regionPages(r.scenario);
    // use_zero_pages: every zero-filled page maps the shared zero page, counted per process
    expect(r.stat("merged", P).ksm_zero_pages).toBe(pages);
    // unmerging half the range gives those pages back at once
    expect(r.stat("half-unmerged", P).ksm_zero_pages).toBe(pages / 2);
    // writing the other half faults them out of the zero page
    expect(r.stat("written", P).ksm_zero_pages).toBe(0);
    // no page maps the zero page or a KSM page any more
    expect(r.at("written").counters.ksm_zero_pages).toBe(0);
    expectNothingMerged(r.at("written"));
  },
  "ksm-functional-unmerge-discarded": (r) => {
    const merged = r.stat("merged", P).ksm_merging_pages;
    expect(merged).toBeGreaterThan(0);
    const dontneed = r.scenario.steps.find((s) => s.op === "dontneed");
    const [from, to] = dontneed && "range" in dontneed && dontneed.range ? dontneed.range : [0, 0];
    expect(to - from).toBeGreaterThan(0);
    // unmerging skips the discarded (pte_none) pages and copies every page still mapped
    expect(r.cowKsm("discarded", "unmerged")).toBe(merged - (to - from));
    expectNothingMerged(r.at("rescanned"));
  },
  "ksm-functional-prot-none": (r) => {
    const merged = r.stat("merged", P).ksm_merging_pages;
    // KSM merges PROT_NONE pages like any others
    expect(merged).toBe(regionPages(r.scenario));
    // writing half (the selftest writes through /proc/self/mem) and unmerging the other half
    // leave no page mapping a KSM page
    expect(r.cowKsm("merged", "written")).toBe(merged / 2);
    expect(r.cowKsm("merged", "unmerged")).toBe(merged);
    expectNothingMerged(r.at("rescanned"));
  },
  "ksm-functional-prctl": (r) => {
    expect(r.stat("start", P).ksm_merge_any).toBe("no");
    // PR_GET_MEMORY_MERGE returns 1 after PR_SET_MEMORY_MERGE 1, and 0 after 0
    expect(r.stat("set", P).ksm_merge_any).toBe("yes");
    expect(r.stat("cleared", P).ksm_merge_any).toBe("no");
  },
  "ksm-functional-prctl-fork": (r) => {
    // the child inherits PR_SET_MEMORY_MERGE
    expect(r.stat("forked", "child").ksm_merge_any).toBe("yes");
    // after run = 2 the child has nothing merged ("Still pages merged" otherwise) ...
    expect(r.stat("stopped", "child").ksm_merging_pages).toBe(0);
    // ... and memory it maps afterwards merges without any madvise
    expect(r.stat("child-merged", "child").ksm_merging_pages).toBeGreaterThan(0);
    expect(r.stat("end", P).ksm_merge_any).toBe("no");
  },
  "ksm-functional-prctl-unmerge": (r) => {
    const merged = r.stat("merged", P).ksm_merging_pages;
    expect(merged).toBeGreaterThan(0);
    expect(r.stat("merged", P).ksm_merge_any).toBe("yes");
    // PR_SET_MEMORY_MERGE 0 unmerges every page
    expect(r.stat("unmerged", P).ksm_merge_any).toBe("no");
    expect(r.cowKsm("merged", "unmerged")).toBe(merged);
    expectNothingMerged(r.at("rescanned"));
  },
  "ksm-functional-fork-ksm-merging-page-count": (r) => {
    expect(r.stat("merged", P).ksm_merging_pages).toBeGreaterThan(0);
    // ksm_merging_pages is not inherited: the child reads 0
    expect(r.stat("forked", "child").ksm_merging_pages).toBe(0);
  },
  // --- ksm_tests.c (pages_to_scan = the page count; merging = two full scans)
  "ksm-tests-merge": mergesEveryPage,
  "ksm-tests-merge-prctl": mergesEveryPage,
  "ksm-tests-merge-read-only": mergesEveryPage,
  // max_page_sharing 4: 8 pages make two full KSM pages, 9 leave one over, 10 make a third
  "ksm-tests-merge-max-page-sharing-4-p8": mergesEveryPage,
  "ksm-tests-merge-max-page-sharing-4-p9": mergesEveryPage,
  "ksm-tests-merge-max-page-sharing-4-p10": mergesEveryPage,
  "ksm-tests-unmerge": (r) => {
    // (the selftest does not check the merge; without one its check would prove nothing)
    expect(r.at("merged").counters.pages_sharing).toBeGreaterThan(0);
    // a byte changed in each page, one full scan later nothing is merged
    assertKsmPagesCount(r.at("rescanned"), 0, r.scenario);
  },
  "ksm-tests-unmerge-prctl": (r) => {
    expect(r.at("merged").counters.pages_sharing).toBeGreaterThan(0);
    assertKsmPagesCount(r.at("rescanned"), 0, r.scenario);
  },
  // use_zero_pages 0: zero pages merge with each other like any identical pages
  "ksm-tests-zero-page-merge": mergesEveryPage,
  // use_zero_pages 1: they map the kernel's zero page instead, so no KSM page is made
  "ksm-tests-zero-page-merge-use-zero-pages": (r) => assertKsmPagesCount(r.at("merged"), 0, r.scenario),
  "ksm-tests-merge-time-huge-pages": (r) => {
    // every 2 MiB of the area is a THP (the selftest counts them through pagemap) ...
    expect(r.stat("start", P).AnonHugePages).toBe(regionPages(r.scenario) * 4);
    // ... and the merge (two full scans) completes; the time it takes is not modelled
    expect(r.at("merged").fullScans).toBe(2);
  },
};

describe("the kernel's KSM selftests, ported to examples/selftests", () => {
  const names = readdirSync(DIR)
    .filter((f) => f.endsWith(".json"))
    .map((f) => f.replace(/\.json$/, ""))
    .sort();

  it("has an assertion for every scenario and a scenario for every assertion", () => {
    expect(names).toEqual(Object.keys(CASES).sort());
  });

  it.each(names.filter((n) => n in CASES))("%s", (name) => {
    const r = run(name);
    CASES[name]!(r);
    // every page still holds what was last written to it
    for (const bad of r.badPages) expect(bad).toBe(0);
  });
});
