import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { LINUX_2_6_32, LINUX_6_18 } from "@ksm/core";
import { parseScenario, type Scenario } from "@ksm/scenario";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  buildSimulation,
  firstDifference,
  listPolicies,
  PolicyError,
  type ReportRecord,
  type SimRecord,
  simulate,
  validateKnob,
} from "../src/index.js";

const ROOT = resolve(import.meta.dirname, "../../..");
const EXAMPLES = join(ROOT, "examples");
const RECORDED = join(ROOT, "apps/ksm-sim/test/recorded");
const numeric = (a: string, b: string) => a.localeCompare(b, "en", { numeric: true });

const EXAMPLE_FILES = readdirSync(EXAMPLES)
  .filter((f) => f.endsWith(".json"))
  .sort(numeric);
/** Every 15th recording, and two where a search path decides when stale chains go. */
const RECORDED_FILES = [
  ...new Set([
    ...readdirSync(RECORDED)
      .filter((f) => f.endsWith(".json"))
      .sort(numeric)
      .filter((_, i) => i % 15 === 0),
    "rand-115.json",
    "rand-283.json",
  ]),
];

function load(file: string): Scenario {
  return parseScenario(JSON.parse(readFileSync(file, "utf8")), validateKnob);
}

async function run(file: string, choice: Parameters<typeof buildSimulation>[0] = {}): Promise<SimRecord[]> {
  return [...simulate(load(file), await buildSimulation(choice))];
}

function expected(file: string): unknown[] {
  return readFileSync(file.replace(/\.json$/, ".expected.jsonl"), "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));
}

const isReport = (r: SimRecord): r is ReportRecord => "counters" in r;
const withoutCost = (rs: SimRecord[]) => rs.map((r) => (isReport(r) ? { ...r, cost: undefined } : r));
/** The records without cost and without the two counters a search path can delay. */
const withoutChainCounts = (rs: SimRecord[]) =>
  withoutCost(rs).map((r) =>
    "counters" in r && r.counters
      ? { ...r, counters: { ...r.counters, stable_node_chains: undefined, stable_node_dups: undefined } }
      : r,
  );

/**
 * Where a tree variant's stable_node_chains / stable_node_dups legitimately differ from the
 * red-black tree's. The kernel prunes stale stable nodes only where a search walks: a stable
 * tree search resolves every chain on its path (`chain_prune`), dropping dups whose KSM page
 * is gone (dups--), collapsing a chain left with one dup into a plain node (chains--, dups--)
 * and freeing a chain left with none (chains--). Those two counters therefore depend on which
 * nodes the searches visit, which is exactly what the variants change: with `hash` a search
 * looks only at nodes of the probe's content, so a chain of content nobody maps any more stays
 * (empty) until a page with that content is searched for; avl and skiplist walk other paths and
 * prune the same nodes earlier or later. Everything else (pages_shared/sharing/unshared/volatile,
 * zero pages, profit, every process's ksm_stat, verify) must still match exactly: those
 * depend only on which pages merge, and stale nodes hold no mappings.
 * Since an unordered index never walks over other contents' chains, the core frees chains left
 * without dups at the end of each full scan for it (ContentIndex.ordered): in
 * examples/lifecycle.json the chain of process a's 300 zero pages, whose dups all went stale
 * after its MADV_UNMERGEABLE, is then gone by "after-exit" as under rbtree, whose searches
 * for b2's unique pages walk over it; in rand-166 no rbtree search passes such a chain before
 * the report, so there hash frees it sooner.
 */
const CHAIN_COUNTS_MAY_DIFFER: Readonly<Record<string, readonly string[]>> = {
  "rand-166.json": ["hash"],
  "rand-1111.json": ["skiplist", "hash"],
  "rand-1711.json": ["hash"],
};

/**
 * Whether the scenario has THP-backed regions. There the merges themselves follow the search
 * path, on the kernel too: two pages of one THP cannot merge in one visit, so which equal
 * tree page a search meets first decides whether a merge happens now or a full scan later;
 * and an unstable-tree page that ksmd itself unmapped (a split THP's zero-filled subpage)
 * ends every insertion whose walk reaches it. A variant walks other paths, so for these only
 * what every variant must keep is checked: no page loses its content.
 */
const hasThp = (file: string) => /"hugepage": true/.test(readFileSync(file, "utf8"));

const TREES = ["avl", "skiplist", "hash"] as const;

describe("every tree variant makes the rbtree's merge decisions", () => {
  const cases = [
    ...EXAMPLE_FILES.map((f) => ({ set: "examples", file: join(EXAMPLES, f), name: f })),
    ...RECORDED_FILES.map((f) => ({ set: "recorded", file: join(RECORDED, f), name: f })),
  ];
  const visited = new Map<string, Record<string, number>>();

  it.each(cases)("$set/$name", async ({ file, name }) => {
    const base = await run(file);
    // the red-black tree is the kernel's: its records are the recorded ones
    for (const [i, e] of expected(file).entries()) expect(firstDifference(e, base[i])).toBeNull();
    const costs: Record<string, number> = {};
    const thp = hasThp(file);
    for (const tree of TREES) {
      const got = await run(file, { policies: { tree } });
      if (thp) expect(got.filter((r) => !isReport(r))).toEqual(base.filter((r) => !isReport(r)));
      else if (CHAIN_COUNTS_MAY_DIFFER[name]?.includes(tree))
        expect(withoutChainCounts(got)).toEqual(withoutChainCounts(base));
      else expect(withoutCost(got), tree).toEqual(withoutCost(base));
      const last = got.filter(isReport).at(-1);
      if (last) costs[tree] = last.cost.tree_nodes_visited;
    }
    const last = base.filter(isReport).at(-1);
    if (last) costs.rbtree = last.cost.tree_nodes_visited;
    visited.set(name, costs);
  });

  it("while the cost differs: hash visits other nodes than rbtree", () => {
    expect(visited.size).toBe(cases.length);
    const differs = [...visited.values()].filter((c) => c.hash !== c.rbtree);
    expect(differs.length).toBeGreaterThan(0);
  });
});

describe("scan policies", () => {
  it.each(EXAMPLE_FILES)(
    "%s matches the kernel with the scan policy its smart_scan knob names",
    async (f) => {
      const file = join(EXAMPLES, f);
      const scan = load(file).knobs.smart_scan === 0 ? "linear" : "smart";
      const got = await run(file, { policies: { scan } });
      const want = expected(file);
      const diffs = want.map((e, i) => firstDifference(e, got[i]));
      expect(diffs.find((d) => d !== null) ?? null).toBeNull();
      expect(got.length).toBe(want.length);
    },
  );

  it("smart-scan.json shows skips with scan=smart and none with scan=linear", async () => {
    const file = join(EXAMPLES, "smart-scan.json");
    const smart = (await run(file, { policies: { scan: "smart" } })).filter(isReport);
    const linear = (await run(file, { policies: { scan: "linear" } })).filter(isReport);
    expect(smart.at(-1)!.cost.pages_scanned).toBeLessThan(linear.at(-1)!.cost.pages_scanned);
  });

  it.each(EXAMPLE_FILES)(
    "%s runs to the end with scan=random and scan=adaptive, losing no page",
    async (f) => {
      for (const scan of ["random", "adaptive"]) {
        const got = await run(join(EXAMPLES, f), { policies: { scan } });
        expect(got.length).toBe(expected(join(EXAMPLES, f)).length);
        for (const r of got) if ("verify" in r) expect(r.verify.badPages).toBe(0);
      }
    },
  );

  it("adaptive scans less where pages never merge, and merges the same in the end", async () => {
    const scenario = {
      knobs: { smart_scan: 0 },
      processes: [
        {
          name: "p",
          regions: [
            { name: "dup", pages: 64, fill: [{ content: { pattern: 3 } }] },
            { name: "uniq", pages: 256, fill: [{ content: "unique" }] },
          ],
        },
      ],
      steps: [{ op: "scan", fullScans: 40 }, { op: "report" }],
    };
    const s = parseScenario(scenario, validateKnob);
    const last = async (scan?: string) =>
      [...simulate(s, await buildSimulation(scan ? { policies: { scan } } : {}))].filter(isReport).at(-1)!;
    const linear = await last();
    const adaptive = await last("adaptive");
    expect(adaptive.counters.pages_sharing).toBe(linear.counters.pages_sharing);
    expect(adaptive.counters.pages_sharing).toBe(63);
    // 40 scans of 320 pages; the unique VMA is scanned at scans 0-2, 4, 8, 16, 24 and 32 only
    expect(linear.cost.pages_scanned).toBe(40 * 320);
    expect(adaptive.cost.pages_scanned).toBe(40 * 64 + 8 * 256);
  });

  it("a scan policy without skipPage keeps the knob's smart scan; linear and adaptive replace it", async () => {
    const scenario = (smart_scan: number) =>
      parseScenario(
        {
          knobs: { smart_scan },
          processes: ["a", "b"].map((name) => ({
            name,
            regions: [{ name: "r", pages: 50, fill: [{ content: "unique" }] }],
          })),
          steps: [{ op: "scan", fullScans: 20 }, { op: "report" }],
        },
        validateKnob,
      );
    const scanned = async (smart: number, scan?: string) =>
      [...simulate(scenario(smart), await buildSimulation(scan ? { policies: { scan } } : {}))]
        .filter(isReport)
        .at(-1)!.cost.pages_scanned;
    const all = 20 * 100;
    expect(await scanned(0)).toBe(all);
    const smart = await scanned(1);
    expect(smart).toBeLessThan(all / 2);
    // random only reorders the mm list: the knob's smart scan still skips the same pages
    expect(await scanned(1, "random")).toBe(smart);
    expect(await scanned(0, "random")).toBe(all);
    expect(await scanned(1, "linear")).toBe(all);
    expect(await scanned(0, "smart")).toBe(smart);
  });

  it("random orders the mms differently from scan to scan and still merges everything", async () => {
    const procs = Array.from({ length: 6 }, (_, i) => ({
      name: `p${i}`,
      regions: [{ name: "r", pages: 20, fill: [{ content: { pattern: 1 + (i % 2) } }] }],
    }));
    const s = parseScenario(
      { knobs: {}, processes: procs, steps: [{ op: "scan", fullScans: 3 }, { op: "report" }] },
      validateKnob,
    );
    const r = [...simulate(s, await buildSimulation({ policies: { scan: "random" } }))].filter(isReport)[0]!;
    expect(r.counters.pages_shared).toBe(2);
    expect(r.counters.pages_sharing).toBe(118);
  });
});

describe("checksum policies", () => {
  const contentSets = fc.array(
    fc.array(fc.oneof(fc.integer({ min: 1, max: 6 }), fc.constant(0)), { minLength: 1, maxLength: 40 }),
    { minLength: 1, maxLength: 3 },
  );
  /** Processes whose pages are patterns 1..6 (0: a unique page). */
  const scenarioOf = (procs: number[][]) =>
    parseScenario(
      {
        knobs: {},
        processes: procs.map((pages, i) => ({
          name: `p${i}`,
          regions: [
            {
              name: "r",
              pages: pages.length,
              fill: pages.map((c, j) => ({
                range: [j, j + 1],
                content: c === 0 ? "unique" : { pattern: c },
              })),
            },
          ],
        })),
        steps: [{ op: "scan", fullScans: 1 }, { op: "report" }],
      },
      validateKnob,
    );

  it("checksum=none merges identical pages in the first full scan; xxhash and jhash2 need a second", async () => {
    const none = await buildSimulation({ policies: { checksum: "none" } });
    const others = [await buildSimulation(), await buildSimulation({ policies: { checksum: "jhash2" } })];
    await fc.assert(
      fc.asyncProperty(contentSets, async (procs) => {
        const counts = new Map<number, number>();
        for (const c of procs.flat()) if (c !== 0) counts.set(c, (counts.get(c) ?? 0) + 1);
        const groups = [...counts.values()].filter((n) => n >= 2);
        const s = scenarioOf(procs);
        const r = [...simulate(s, none)].filter(isReport)[0]!;
        expect(r.counters.full_scans).toBe(1);
        expect(r.counters.pages_shared).toBe(groups.length);
        expect(r.counters.pages_sharing).toBe(groups.reduce((n, g) => n + g - 1, 0));
        for (const sim of others) {
          const o = [...simulate(s, sim)].filter(isReport)[0]!;
          expect(o.counters.pages_sharing).toBe(0);
        }
      }),
      { numRuns: 40 },
    );
  });

  it.each(["jhash2", "crc32c"])(
    "checksum=%s merges what xxhash merges on the shared examples",
    async (checksum) => {
      for (const f of EXAMPLE_FILES) {
        const base = await run(join(EXAMPLES, f));
        const got = await run(join(EXAMPLES, f), { policies: { checksum } });
        expect(withoutCost(got), f).toEqual(withoutCost(base));
      }
    },
  );
});

describe("profiles", () => {
  const file = join(ROOT, "apps/ksm-sim/test/profiles.json");
  const counters = (rs: SimRecord[], label: string) => {
    const r = rs.filter(isReport).find((x) => x.label === label)!;
    return { ...r.counters, b: r.processes.b!.ksm_merging_pages };
  };

  it("linux-2.6.32 merges a copy of a KSM page at its first visit and puts every copy on one KSM page", async () => {
    const old = await run(file, { profile: "linux-2.6.32" });
    const now = await run(file);
    // 300 identical pages: one KSM page in 2.6.32; with max_page_sharing 256, a chain of two in 6.18
    expect(counters(old, "merged")).toMatchObject({
      pages_shared: 1,
      pages_sharing: 299,
      stable_node_chains: 0,
    });
    expect(counters(now, "merged")).toMatchObject({
      pages_shared: 2,
      pages_sharing: 298,
      stable_node_chains: 1,
      stable_node_dups: 2,
    });
    // b writes the same content into 20 pages: 2.6.32 searches the stable tree before the
    // checksum, so they merge at the next visit; 6.18 first records their new checksum
    expect(counters(old, "first-visit")).toMatchObject({ pages_shared: 1, pages_sharing: 319, b: 20 });
    expect(counters(now, "first-visit")).toMatchObject({ pages_shared: 2, pages_sharing: 298, b: 0 });
    expect(counters(old, "second-visit")).toMatchObject({ pages_shared: 1, pages_sharing: 319, b: 20 });
    expect(counters(now, "second-visit")).toMatchObject({ pages_shared: 2, pages_sharing: 318, b: 20 });
    for (const r of [...old, ...now]) if ("verify" in r) expect(r.verify.badPages).toBe(0);
  });

  it("a scenario's profile and policies are used, and the profile's policies are the default", async () => {
    const sim = await buildSimulation({ profile: "linux-2.6.32" });
    expect(sim.profile).toBe(LINUX_2_6_32);
    expect(sim.checksum.name).toBe("jhash2");
    expect(sim.index.name).toBe("rbtree");
    expect(sim.scan).toBeUndefined();
    const chosen = await buildSimulation({
      profile: "linux-2.6.32",
      policies: { checksum: "xxhash", tree: "hash" },
    });
    expect([chosen.checksum.name, chosen.index.name]).toEqual(["xxhash", "hash"]);
  });
});

describe("the registry", () => {
  it("defaults to Linux 6.18 with xxhash, rbtree and the core's own scan", async () => {
    const sim = await buildSimulation();
    expect(sim.profile).toBe(LINUX_6_18);
    expect([sim.checksum.name, sim.index.name]).toEqual(["xxhash", "rbtree"]);
    expect("scan" in sim).toBe(false);
    for (const scan of ["linear", "smart", "random", "adaptive"])
      expect((await buildSimulation({ policies: { scan } })).scan?.name).toBe(scan);
  });

  it("lists every profile and variant with a description", () => {
    const list = listPolicies();
    expect(list.profiles.map((p) => p.name)).toEqual(["linux-6.18", "linux-2.6.32"]);
    expect(
      Object.fromEntries(Object.entries(list.policies).map(([a, vs]) => [a, vs.map((v) => v.name)])),
    ).toEqual({
      checksum: ["xxhash", "jhash2", "crc32c", "none"],
      tree: ["rbtree", "avl", "skiplist", "hash"],
      scan: ["linear", "smart", "random", "adaptive"],
      reclaim: ["lru", "clock", "fifo", "random"],
    });
    for (const v of [...list.profiles, ...Object.values(list.policies).flat()])
      expect(v.description.length).toBeGreaterThan(20);
  });

  it.each([
    [{ profile: "linux-9.9" }, /unknown profile "linux-9.9"; expected one of linux-6.18, linux-2.6.32/],
    [{ policies: { colour: "red" } }, /unknown policy axis "colour"; expected one of checksum, tree, scan/],
    [
      { policies: { tree: "btree" } },
      /unknown tree policy "btree"; expected one of rbtree, avl, skiplist, hash/,
    ],
    [{ policies: { checksum: "md5" } }, /expected one of xxhash, jhash2, crc32c, none/],
    [{ policies: { scan: "zigzag" } }, /expected one of linear, smart, random, adaptive/],
  ])("rejects %j naming the valid choices", async (choice, message) => {
    const err = await buildSimulation(choice).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PolicyError);
    expect((err as Error).message).toMatch(message);
  });
});
