import {
  type ContentId,
  Machine,
  PAGE_SIZE,
  PTE_PRESENT,
  PTE_SPECIAL,
  splitmix64,
  ZERO_CONTENT,
} from "@ksm/mm";
import {
  expandContent,
  type KnobValidator,
  parseScenario,
  type Scenario,
  ScenarioError,
  ScenarioMemory,
  UNMAPPED,
} from "@ksm/scenario";
import { describe, expect, it } from "vitest";

/** A small stand-in for KSM's knob rules: a few known knobs, each with its range. */
const KNOBS: Record<string, [number, number]> = {
  run: [0, 2],
  use_zero_pages: [0, 1],
  smart_scan: [0, 1],
  max_page_sharing: [2, 2 ** 31 - 1],
  stable_node_chains_prune_millisecs: [0, 2 ** 32 - 1],
};
const validateKnob: KnobValidator = (name, value) => {
  const r = KNOBS[name];
  if (!r) return `a knob of /sys/kernel/mm/ksm (${Object.keys(KNOBS).join(", ")})`;
  if (!Number.isInteger(value) || (value as number) < r[0] || (value as number) > r[1])
    return `an integer from ${r[0]} to ${r[1]} for ${name}`;
  return null;
};

// Three of the oracle's examples (shared/ksm-oracle/examples), inline so CI needs no ../shared.
const TWO_VMS = {
  name: "two-vms",
  knobs: {
    use_zero_pages: 0,
    max_page_sharing: 256,
    smart_scan: 0,
    stable_node_chains_prune_millisecs: 3600000,
  },
  processes: [
    {
      name: "vm1",
      regions: [
        {
          name: "ram",
          pages: 1024,
          mergeable: true,
          fill: [
            { range: [0, 512], content: { pattern: 7 } },
            { range: [512, 1024], content: "unique" },
          ],
        },
      ],
    },
    {
      name: "vm2",
      mergeAny: false,
      regions: [{ name: "ram", pages: 512, fill: [{ content: { pattern: 7 } }] }],
    },
  ],
  steps: [
    { op: "scan", fullScans: 2 },
    { op: "report", label: "merged" },
  ],
};

const NEAR_DUPLICATES = {
  name: "near-duplicates",
  knobs: { smart_scan: 0, stable_node_chains_prune_millisecs: 3600000 },
  processes: [
    {
      name: "p",
      regions: [
        {
          name: "r",
          pages: 300,
          fill: [
            { range: [0, 100], content: { pattern: 11 } },
            { range: [100, 200], content: { pattern: 11, poke: [[4095, 0]] } },
            {
              range: [200, 300],
              content: {
                pattern: 11,
                poke: [
                  [0, 1],
                  [4095, 0],
                ],
              },
            },
          ],
        },
      ],
    },
  ],
  steps: [{ op: "scan", fullScans: 2 }, { op: "report", label: "merged" }, { op: "verify" }],
};

const UNMERGE_ALL = {
  name: "unmerge-all",
  knobs: { smart_scan: 0, stable_node_chains_prune_millisecs: 3600000 },
  processes: [
    {
      name: "p",
      regions: [
        {
          name: "r",
          pages: 300,
          fill: [
            { range: [0, 200], content: { pattern: 8 } },
            { range: [200, 300], content: "zero" },
          ],
        },
      ],
    },
  ],
  steps: [
    { op: "scan", fullScans: 2 },
    { op: "report", label: "merged" },
    { op: "knob", name: "run", value: 2 },
    { op: "report", label: "unmerged" },
    { op: "scan", fullScans: 2 },
    { op: "report", label: "remerged" },
    { op: "madvise", process: "p", region: "r", range: [0, 100], advice: "unmergeable" },
    { op: "scan" },
    { op: "report", label: "half" },
    { op: "verify" },
  ],
};

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

describe("parseScenario: valid scenarios", () => {
  for (const example of [TWO_VMS, NEAR_DUPLICATES, UNMERGE_ALL]) {
    it(`parses the ${example.name} example unchanged`, () => {
      const s = parseScenario(clone(example), validateKnob);
      expect(s.name).toBe(example.name);
      expect(s.knobs).toEqual(example.knobs);
      expect(s.steps).toEqual(example.steps);
      expect(s.processes).toEqual(example.processes);
    });
  }

  it("keeps the plugins extension, a list of strings, and names a bad entry's path", () => {
    const s = parseScenario({ ...clone(TWO_VMS), plugins: ["./p.js", "ksm-plugin-x"] }, validateKnob);
    expect(s.plugins).toEqual(["./p.js", "ksm-plugin-x"]);
    expect(() => parseScenario({ ...clone(TWO_VMS), plugins: ["./p.js", 3] }, validateKnob)).toThrow(
      /\$\.plugins\[1\]/,
    );
  });

  it("defaults knobs and steps, and accepts every step op", () => {
    const s = parseScenario({ processes: [{ name: "a", regions: [] }] }, validateKnob);
    expect(s.knobs).toEqual({});
    expect(s.steps).toEqual([]);
    expect(s.name).toBeUndefined();
    const steps = [
      { op: "scan" },
      { op: "settle", maxFullScans: 5 },
      { op: "report" },
      { op: "write", process: "a", region: "r", range: [0, 0], content: "zero" },
      { op: "fill", process: "a", region: "r", content: { sequence: 0 } },
      { op: "madvise", process: "a", region: "r", advice: "mergeable" },
      { op: "prctl", process: "a", mergeAny: true },
      { op: "knob", name: "run", value: 1 },
      { op: "verify", label: "v" },
      { op: "measure", pagesSharing: 10, sleepMillisecs: 0, timeout: 1.5 },
      { op: "fork", process: "a", child: "b" },
      { op: "munmap", process: "a", region: "r" },
      { op: "write", process: "b", region: "r", content: "unique" },
      { op: "exit", process: "a" },
    ];
    const t = parseScenario(
      { processes: [{ name: "a", regions: [{ name: "r", pages: 4 }] }], steps },
      validateKnob,
    );
    expect(t.steps).toEqual(steps);
  });

  it("accepts the largest seeds: pattern 2^53 - 1, and a sequence ending at 2^53 - 1", () => {
    const base = (content: unknown) => ({
      processes: [{ name: "a", regions: [{ name: "r", pages: 10, fill: [{ content }] }] }],
    });
    expect(() => parseScenario(base({ pattern: 2 ** 53 - 1 }), validateKnob)).not.toThrow();
    expect(() => parseScenario(base({ sequence: 2 ** 53 - 10 }), validateKnob)).not.toThrow();
    expect(() => parseScenario(base({ sequence: 2 ** 53 - 9 }), validateKnob)).toThrow(ScenarioError);
  });

  it("lets a region be reused after munmap only in another process, and a fork child inherit regions", () => {
    const s = {
      processes: [{ name: "a", regions: [{ name: "r", pages: 4 }] }],
      steps: [
        { op: "fork", process: "a", child: "b" },
        { op: "munmap", process: "a", region: "r" },
        { op: "write", process: "b", region: "r", range: [0, 4], content: "zero" },
      ],
    };
    expect(() => parseScenario(s, validateKnob)).not.toThrow();
  });
});

/** A valid scenario for the error table to break. */
function base() {
  return {
    name: "base",
    knobs: { smart_scan: 0 } as Record<string, unknown>,
    processes: [
      {
        name: "a",
        regions: [{ name: "r", pages: 300, fill: [{ range: [0, 100], content: { pattern: 1 } as unknown }] }],
      },
      { name: "b", regions: [{ name: "r", pages: 10 }] as Array<Record<string, unknown>> },
    ] as Array<Record<string, unknown>>,
    steps: [{ op: "scan" }, { op: "report", label: "x" }] as Array<Record<string, unknown>>,
  } as Record<string, unknown> & {
    knobs: Record<string, unknown>;
    processes: Array<Record<string, unknown>>;
    steps: Array<Record<string, unknown>>;
  };
}

interface BadCase {
  readonly name: string;
  readonly input: unknown;
  readonly path: string;
  /** What the message must say was expected. */
  readonly expected: RegExp;
}

function withSteps(...steps: Array<Record<string, unknown>>) {
  const s = base();
  s.steps = [...s.steps, ...steps];
  return s;
}

const BAD: BadCase[] = [
  {
    name: "an unknown top-level field",
    input: { ...base(), extra: 1 },
    path: "$.extra",
    expected: /no such field.*name, version, batchMode, drainLru, knobs, processes, steps/,
  },
  {
    name: "missing processes",
    input: (() => {
      const s: Record<string, unknown> = base();
      delete s.processes;
      return s;
    })(),
    path: "$.processes",
    expected: /an array/,
  },
  {
    name: "no processes at all",
    input: { ...base(), processes: [] },
    path: "$.processes",
    expected: /at least one process/,
  },
  { name: "a scenario that is not an object", input: [1], path: "$", expected: /an object/ },
  {
    name: "a duplicate process name",
    input: { ...base(), processes: [...base().processes, { name: "a", regions: [] }] },
    path: "$.processes[2].name",
    expected: /a process name not used before/,
  },
  {
    name: "a region with 0 pages",
    input: (() => {
      const s = base();
      s.processes[1] = { name: "b", regions: [{ name: "r", pages: 0 }] };
      return s;
    })(),
    path: "$.processes[1].regions[0].pages",
    expected: /an integer from 1 to/,
  },
  {
    name: "a duplicate region name",
    input: (() => {
      const s = base();
      s.processes[1] = {
        name: "b",
        regions: [
          { name: "r", pages: 1 },
          { name: "r", pages: 2 },
        ],
      };
      return s;
    })(),
    path: "$.processes[1].regions[1].name",
    expected: /unique within its process/,
  },
  {
    name: "a fill range [0, 400] on a 300-page region",
    input: (() => {
      const s = base();
      s.processes[0] = {
        name: "a",
        regions: [{ name: "r", pages: 300, fill: [{ range: [0, 400], content: "zero" }] }],
      };
      return s;
    })(),
    path: "$.processes[0].regions[0].fill[0].range",
    expected: /0 <= from <= to <= 300/,
  },
  {
    name: "a step range [0, 400] on a 300-page region",
    input: withSteps(
      { op: "scan" },
      { op: "write", process: "a", region: "r", range: [0, 400], content: "zero" },
    ),
    path: "$.steps[3].range",
    expected: /0 <= from <= to <= 300/,
  },
  {
    name: "a reversed range",
    input: withSteps({ op: "madvise", process: "a", region: "r", range: [5, 4], advice: "mergeable" }),
    path: "$.steps[2].range",
    expected: /\[from, to\)/,
  },
  {
    name: "a step naming a process that already exited",
    input: withSteps(
      { op: "exit", process: "b" },
      { op: "write", process: "b", region: "r", content: "zero" },
    ),
    path: "$.steps[3].process",
    expected: /a live process/,
  },
  {
    name: "exiting twice",
    input: withSteps({ op: "exit", process: "b" }, { op: "exit", process: "b" }),
    path: "$.steps[3].process",
    expected: /a live process/,
  },
  {
    name: "a step naming a process that never existed",
    input: withSteps({ op: "prctl", process: "zz", mergeAny: true }),
    path: "$.steps[2].process",
    expected: /a live process/,
  },
  {
    name: "a step naming an unmapped region",
    input: withSteps(
      { op: "munmap", process: "a", region: "r" },
      { op: "write", process: "a", region: "r", content: "zero" },
    ),
    path: "$.steps[3].region",
    expected: /a mapped region of that process/,
  },
  {
    name: "a fork child reusing a live process's name",
    input: withSteps({ op: "fork", process: "a", child: "b" }),
    path: "$.steps[2].child",
    expected: /a process name not used before/,
  },
  {
    name: "a fork child reusing an exited process's name",
    input: withSteps({ op: "exit", process: "b" }, { op: "fork", process: "a", child: "b" }),
    path: "$.steps[3].child",
    expected: /a process name not used before/,
  },
  {
    name: "two fork children with one name",
    input: withSteps({ op: "fork", process: "a", child: "c" }, { op: "fork", process: "b", child: "c" }),
    path: "$.steps[3].child",
    expected: /a process name not used before/,
  },
  {
    name: "an unknown op",
    input: withSteps({ op: "frobnicate" }),
    path: "$.steps[2].op",
    expected:
      /one of scan, settle, report, write, fill, madvise, fork, exit, munmap, prctl, knob, verify, measure/,
  },
  {
    name: "a field a step does not have",
    input: withSteps({ op: "scan", fullscans: 2 }),
    path: "$.steps[2].fullscans",
    expected: /no such field.*fullScans/,
  },
  {
    name: "a bad madvise advice",
    input: withSteps({ op: "madvise", process: "a", region: "r", advice: "hugepage" }),
    path: "$.steps[2].advice",
    expected: /one of mergeable, unmergeable(, got "hugepage")?$/,
  },
  {
    name: "a pattern seed of 2^53",
    input: withSteps({
      op: "write",
      process: "a",
      region: "r",
      range: [0, 1],
      content: { pattern: 2 ** 53 },
    }),
    path: "$.steps[2].content.pattern",
    expected: /an integer from 0 to 9007199254740991/,
  },
  {
    name: "a negative sequence seed in a fill",
    input: (() => {
      const s = base();
      s.processes[0] = {
        name: "a",
        regions: [{ name: "r", pages: 3, fill: [{ content: { sequence: -1 } }] }],
      };
      return s;
    })(),
    path: "$.processes[0].regions[0].fill[0].content.sequence",
    expected: /an integer from 0 to 9007199254740989/,
  },
  {
    name: "a poke byte of 256",
    input: withSteps({
      op: "write",
      process: "a",
      region: "r",
      content: {
        pattern: 1,
        poke: [
          [0, 1],
          [4095, 256],
        ],
      },
    }),
    path: "$.steps[2].content.poke[1][1]",
    expected: /an integer from 0 to 255/,
  },
  {
    name: "a poke offset of 4096",
    input: withSteps({ op: "write", process: "a", region: "r", content: { pattern: 1, poke: [[4096, 0]] } }),
    path: "$.steps[2].content.poke[0][0]",
    expected: /an integer from 0 to 4095/,
  },
  {
    name: "a poke that is not a pair",
    input: withSteps({ op: "write", process: "a", region: "r", content: { pattern: 1, poke: [[1, 2, 3]] } }),
    path: "$.steps[2].content.poke[0]",
    expected: /\[offset, byte\]/,
  },
  {
    name: "a content that is neither string nor pattern",
    input: withSteps({ op: "write", process: "a", region: "r", content: "ones" }),
    path: "$.steps[2].content",
    expected: /"zero", "unique", \{"pattern": S\} or \{"sequence": S\}/,
  },
  {
    name: "a knob the validator refuses",
    input: { ...base(), knobs: { smart_scan: 0, use_zero_pages: 2 } },
    path: "$.knobs.use_zero_pages",
    expected: /an integer from 0 to 1 for use_zero_pages/,
  },
  {
    name: "an unknown knob",
    input: { ...base(), knobs: { pages_to_scan_typo: 1 } },
    path: "$.knobs.pages_to_scan_typo",
    expected: /a knob of \/sys\/kernel\/mm\/ksm/,
  },
  {
    name: "a knob step the validator refuses",
    input: withSteps({ op: "knob", name: "run", value: 3 }),
    path: "$.steps[2].value",
    expected: /an integer from 0 to 2 for run/,
  },
  {
    name: "a measure without its target",
    input: withSteps({ op: "measure", label: "m" }),
    path: "$.steps[2].pagesSharing",
    expected: /an integer from 0/,
  },
  {
    name: "a non-boolean mergeAny",
    input: withSteps({ op: "prctl", process: "a", mergeAny: "yes" }),
    path: "$.steps[2].mergeAny",
    expected: /true or false/,
  },
  {
    name: "a v2 step in a v1 file",
    input: withSteps({ op: "batches", count: 3 }),
    path: "$.steps[2].op",
    expected: /a v1 step \(batches is v2: set "version": 2\)/,
  },
  {
    name: "a partial munmap in a v1 file",
    input: withSteps({ op: "munmap", process: "a", region: "r", range: [0, 1] }),
    path: "$.steps[2].range",
    expected: /no range in v1/,
  },
  {
    name: "a v2 region field in a v1 file",
    input: (() => {
      const s = base();
      s.processes[1]!.regions = [{ name: "r", pages: 512, hugepage: true }];
      return s;
    })(),
    path: "$.processes[1].regions[0].hugepage",
    expected: /a v1 field \(this one is v2/,
  },
  {
    name: "measure in a v2 file",
    input: { ...withSteps({ op: "measure", pagesSharing: 1 }), version: 2 },
    path: "$.steps[2].op",
    expected: /measure is v1 only/,
  },
  {
    name: "a write to pages a v2 munmap took away",
    input: {
      ...withSteps(
        { op: "munmap", process: "a", region: "r", range: [10, 20] },
        { op: "write", process: "a", region: "r", range: [5, 15], content: "zero" },
      ),
      version: 2,
    },
    path: "$.steps[3].range",
    expected: /mapped and read-write \(page 10 is unmapped\)/,
  },
  {
    name: "a write to read-only pages",
    input: {
      ...withSteps(
        { op: "mprotect", process: "a", region: "r", range: [0, 4], prot: "read" },
        { op: "write", process: "a", region: "r", range: [3, 5], content: "zero" },
      ),
      version: 2,
    },
    path: "$.steps[3].range",
    expected: /page 3 is not writable/,
  },
  {
    name: "a region every page of which a munmap took away",
    input: {
      ...withSteps(
        { op: "munmap", process: "b", region: "r", range: [0, 10] },
        { op: "dontneed", process: "b", region: "r" },
      ),
      version: 2,
    },
    path: "$.steps[3].region",
    expected: /a mapped region of that process/,
  },
  {
    name: "a bad mprotect",
    input: { ...withSteps({ op: "mprotect", process: "a", region: "r", prot: "exec" }), version: 2 },
    path: "$.steps[2].prot",
    expected: /"none", "read" or "readwrite"/,
  },
  {
    name: "an mmap of a region name the process has",
    input: { ...withSteps({ op: "mmap", process: "a", region: "r", pages: 4 }), version: 2 },
    path: "$.steps[2].region",
    expected: /a region name unique within its process/,
  },
];

describe("parseScenario: errors carry the exact JSON path", () => {
  it("the base of the table is valid", () => {
    expect(() => parseScenario(base(), validateKnob)).not.toThrow();
  });

  for (const c of BAD) {
    it(c.name, () => {
      let err: unknown;
      try {
        parseScenario(c.input, validateKnob);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ScenarioError);
      const e = err as ScenarioError;
      expect(e.name).toBe("ScenarioError");
      expect(e.path).toBe(c.path);
      expect(e.message.startsWith(`at ${c.path}: expected `)).toBe(true);
      expect(e.message).toMatch(c.expected);
      expect(e.expected).toMatch(c.expected);
    });
  }

  it("the message shows the offending value", () => {
    try {
      parseScenario(
        withSteps({ op: "write", process: "a", region: "r", range: [0, 400], content: "zero" }),
        validateKnob,
      );
      expect.unreachable();
    } catch (e) {
      expect((e as ScenarioError).got).toEqual([0, 400]);
      expect((e as Error).message).toContain("got [0,400]");
    }
  });

  it("the validator is called with the knob's name and value", () => {
    const calls: Array<[string, unknown]> = [];
    parseScenario(withSteps({ op: "knob", name: "smart_scan", value: 1 }), (n, v) => {
      calls.push([n, v]);
      return null;
    });
    expect(calls).toEqual([
      ["smart_scan", 0],
      ["smart_scan", 1],
    ]);
  });
});

describe("expandContent", () => {
  it("a sequence gives consecutive pattern seeds", () => {
    const m = new Machine();
    const ids = expandContent(m.contents, { sequence: 40 }, 5);
    expect(ids).toEqual([40n, 41n, 42n, 43n, 44n].map((s) => m.contents.pattern(s)));
    expect(new Set(ids).size).toBe(5);
    // Page k holds the little-endian word splitmix64(40 + k).
    for (const [k, id] of ids.entries()) {
      const b = m.contents.bytes(id);
      expect(new DataView(b.buffer).getBigUint64(8 * 100, true)).toBe(splitmix64(BigInt(40 + k)));
    }
  });

  it("a sequence with pokes pokes every page", () => {
    const m = new Machine();
    const ids = expandContent(m.contents, { sequence: 3, poke: [[4095, 0x5a]] }, 3);
    for (const [k, id] of ids.entries()) {
      expect(id).toBe(m.contents.pattern(BigInt(3 + k), [[4095, 0x5a]]));
      expect(m.contents.bytes(id)[4095]).toBe(0x5a);
    }
  });

  it("a pattern gives the same page everywhere", () => {
    const m = new Machine();
    const ids = expandContent(m.contents, { pattern: 9 }, 4);
    expect(new Set(ids)).toEqual(new Set([m.contents.pattern(9n)]));
    expect(ids).toHaveLength(4);
  });

  it("unique gives distinct contents, different from every other", () => {
    const m = new Machine();
    const a = expandContent(m.contents, "unique", 50);
    const b = expandContent(m.contents, "unique", 50);
    const all = new Set([...a, ...b]);
    expect(all.size).toBe(100);
    expect(all.has(ZERO_CONTENT)).toBe(false);
    for (let s = 0n; s < 10n; s++) expect(all.has(m.contents.pattern(s))).toBe(false);
  });

  it("zero gives the zero page, and a count of 0 gives nothing", () => {
    const m = new Machine();
    expect(expandContent(m.contents, "zero", 3)).toEqual([ZERO_CONTENT, ZERO_CONTENT, ZERO_CONTENT]);
    expect(m.contents.bytes(ZERO_CONTENT)).toEqual(new Uint8Array(PAGE_SIZE));
    expect(expandContent(m.contents, { sequence: 1 }, 0)).toEqual([]);
  });
});

describe("captured page contents", () => {
  const page = (fill: number, at = 0, value = fill) => {
    const b = Buffer.alloc(PAGE_SIZE, fill);
    b[at] = value;
    return b.toString("base64");
  };
  const scenario = (content: unknown) => ({
    processes: [{ name: "a", regions: [{ name: "r", pages: 2, fill: [{ content }] }] }],
  });

  it("bytes gives those very bytes, the same content for the same bytes", () => {
    const m = new Machine();
    const [x] = expandContent(m.contents, { bytes: page(7, 100, 1) }, 1);
    const [y] = expandContent(m.contents, { bytes: page(7, 100, 1) }, 1);
    const [z] = expandContent(m.contents, { bytes: page(7) }, 1);
    expect(x).toBe(y);
    expect(m.contents.bytes(x!)[100]).toBe(1);
    expect(m.contents.bytes(x!)[101]).toBe(7);
    // memcmp order is the bytes': 0x01 < 0x07 at offset 100
    expect(m.contents.compare(x!, z!)).toBe(-1);
  });

  it("hash gives one content per hash, equal to no other page", () => {
    const m = new Machine();
    const h1 = "0123456789abcdef0123456789abcdef";
    const h2 = "f123456789abcdef0123456789abcdef";
    const a = expandContent(m.contents, { hash: h1 }, 2);
    const [b] = expandContent(m.contents, { hash: h1 }, 1);
    const [c] = expandContent(m.contents, { hash: h2 }, 1);
    expect(new Set([...a, b])).toEqual(new Set([a[0]]));
    expect(c).not.toBe(b);
    expect(a[0]).not.toBe(ZERO_CONTENT);
  });

  it("parses both kinds and refuses malformed ones at their path", () => {
    expect(() => parseScenario(scenario({ bytes: page(3) }), validateKnob)).not.toThrow();
    expect(() => parseScenario(scenario({ hash: "00".repeat(16) }), validateKnob)).not.toThrow();
    const bad = (content: unknown) => {
      try {
        parseScenario(scenario(content), validateKnob);
      } catch (e) {
        return (e as ScenarioError).message;
      }
      return "accepted";
    };
    expect(bad({ bytes: "AAAA" })).toMatch(
      /^at \$\.processes\[0\]\.regions\[0\]\.fill\[0\]\.content\.bytes: expected a page of 4096 bytes/,
    );
    expect(bad({ hash: "XYZ" })).toMatch(
      /content\.hash: expected a 128-bit page hash, 32 lowercase hex digits/,
    );
    expect(bad({ hash: "00".repeat(16), poke: [] })).toMatch(
      /content\.poke: expected no such field here \(known: hash\)/,
    );
  });
});

describe("ScenarioMemory", () => {
  const small = (): Scenario =>
    parseScenario(
      {
        processes: [
          {
            name: "a",
            regions: [
              {
                name: "r",
                pages: 8,
                fill: [
                  { range: [0, 3], content: { pattern: 7 } },
                  { range: [3, 6], content: { sequence: 100 } },
                  { range: [6, 7], content: "unique" },
                ],
              },
            ],
          },
          {
            name: "b",
            regions: [{ name: "r", pages: 2, fill: [{ content: { pattern: 7, poke: [[0, 0]] } }] }],
          },
        ],
      },
      validateKnob,
    );

  it("setup writes every filled page as specified", () => {
    const m = new Machine();
    const mem = new ScenarioMemory(m);
    mem.setup(small());
    const a = mem.processes.get("a")!;
    const r = a.regions.get("r")!;
    const p7 = m.contents.pattern(7n);
    const want: ContentId[] = [
      p7,
      p7,
      p7,
      m.contents.pattern(100n),
      m.contents.pattern(101n),
      m.contents.pattern(102n),
    ];
    for (let i = 0; i < 6; i++) expect(m.peek(a.mm, r.start + i)).toBe(want[i]);
    expect(Array.from(r.expected!.slice(0, 6))).toEqual(want);
    expect(r.expected![7]).toBe(ZERO_CONTENT);
    const u = m.peek(a.mm, r.start + 6);
    expect(u).toBe(r.expected![6]);
    expect(m.contents.compare(u, p7)).not.toBe(0);
    const b = mem.processes.get("b")!;
    expect(m.peek(b.mm, b.regions.get("r")!.start)).toBe(m.contents.pattern(7n, [[0, 0]]));
  });

  it("setup writes zeros into every page no fill covers, whatever a read fault does", () => {
    for (const zeroPageOnRead of [true, false]) {
      const m = new Machine({ zeroPageOnRead });
      const mem = new ScenarioMemory(m);
      mem.setup(small());
      const a = mem.processes.get("a")!;
      const r = a.regions.get("r")!;
      // page 7 of a's region is filled by nothing: written with zeros, a private anonymous page
      const bits = a.mm.pt.bits(r.start + 7);
      expect(bits & PTE_PRESENT).toBe(PTE_PRESENT);
      expect(bits & PTE_SPECIAL).toBe(0);
      expect(m.peek(a.mm, r.start + 7)).toBe(ZERO_CONTENT);
      // 8 + 2 pages, each its own frame, besides the shared zero page
      expect(m.frames.allocated).toBe(1 + 10);
    }
  });

  it("verify() faults nothing in: an absent page reads as zeros", () => {
    const m = new Machine({ zeroPageOnRead: false });
    const mem = new ScenarioMemory(m);
    mem.setup(small());
    const a = mem.processes.get("a")!;
    const r = a.regions.get("r")!;
    m.munmap(a.mm, r.start + 7, r.start + 8); // a read there would be a SIGSEGV
    const before = m.frames.allocated;
    expect(mem.verify()).toBe(0);
    expect(m.frames.allocated).toBe(before);
  });

  it("verify() is 0 after setup and counts pages changed behind its back", () => {
    const m = new Machine();
    const mem = new ScenarioMemory(m);
    mem.setup(small());
    expect(mem.verify()).toBe(0);
    const a = mem.processes.get("a")!;
    const r = a.regions.get("r")!;
    m.write(a.mm, r.start + 1, m.contents.pattern(8n));
    expect(mem.verify()).toBe(1);
    m.write(a.mm, r.start + 7, m.contents.pattern(8n)); // an unfilled page, expected zero
    expect(mem.verify()).toBe(2);
    m.write(a.mm, r.start + 1, m.contents.pattern(7n));
    expect(mem.verify()).toBe(1);
  });

  it("memory steps keep verify() at 0: write, fork, child write, munmap, exit", () => {
    const m = new Machine();
    const mem = new ScenarioMemory(m);
    const sc = parseScenario(
      {
        processes: [
          {
            name: "a",
            regions: [
              { name: "r", pages: 4, fill: [{ content: { pattern: 1 } }] },
              { name: "s", pages: 2 },
            ],
          },
        ],
        steps: [
          { op: "fork", process: "a", child: "c" },
          { op: "write", process: "c", region: "r", range: [1, 3], content: { sequence: 50 } },
          { op: "fill", process: "a", region: "r", range: [0, 1], content: "unique" },
          { op: "munmap", process: "c", region: "s" },
          { op: "madvise", process: "a", region: "r", advice: "unmergeable" },
          { op: "exit", process: "a" },
        ],
      },
      validateKnob,
    );
    mem.setup(sc);
    for (const step of sc.steps) {
      expect(ScenarioMemory.isMemoryStep(step)).toBe(true);
      mem.step(step);
      expect(mem.verify()).toBe(0);
    }
    expect([...mem.processes.keys()]).toEqual(["c"]);
    const c = mem.processes.get("c")!;
    expect([...c.regions.keys()]).toEqual(["r"]);
    const r = c.regions.get("r")!;
    expect([0, 1, 2, 3].map((i) => m.peek(c.mm, r.start + i))).toEqual([
      m.contents.pattern(1n),
      m.contents.pattern(50n),
      m.contents.pattern(51n),
      m.contents.pattern(1n),
    ]);
    // The child's region was copied, not shared: a write behind the child's back is seen.
    m.write(c.mm, r.start, m.contents.pattern(2n));
    expect(mem.verify()).toBe(1);
  });

  it("KSM steps are not memory steps", () => {
    for (const op of ["scan", "settle", "report", "knob", "verify", "measure"])
      expect(ScenarioMemory.isMemoryStep({ op } as never)).toBe(false);
    const mem = new ScenarioMemory(new Machine());
    expect(() => mem.step({ op: "scan" })).toThrow();
  });
});

describe("format v2", () => {
  const v2 = () =>
    parseScenario(
      {
        version: 2,
        batchMode: true,
        knobs: { smart_scan: 0 },
        processes: [
          {
            name: "a",
            regions: [
              {
                name: "r",
                pages: 1024,
                hugepage: true,
                fill: [{ range: [0, 600], content: { pattern: 3 } }],
              },
              { name: "s", pages: 8, fill: [{ content: { sequence: 9 } }] },
            ],
          },
        ],
        steps: [
          { op: "batches", count: 2 },
          { op: "mprotect", process: "a", region: "s", range: [0, 2], prot: "none" },
          { op: "munmap", process: "a", region: "s", range: [6, 8] },
          { op: "dontneed", process: "a", region: "r", range: [0, 100] },
          { op: "mmap", process: "a", region: "t", pages: 3, fill: [{ content: "unique" }] },
          { op: "mremap", process: "a", region: "r" },
          { op: "madvise", process: "a", region: "s", range: [2, 4], advice: "nohugepage" },
          { op: "fork", process: "a", child: "c" },
          { op: "write", process: "c", region: "s", range: [2, 6], content: "zero" },
        ],
      },
      validateKnob,
    );

  it("parses as v2 with every new op", () => {
    const sc = v2();
    expect(sc.version).toBe(2);
    expect(sc.batchMode).toBe(true);
    expect(sc.steps.map((st) => st.op)).toEqual([
      "batches",
      "mprotect",
      "munmap",
      "dontneed",
      "mmap",
      "mremap",
      "madvise",
      "fork",
      "write",
    ]);
    expect(parseScenario(base(), validateKnob).version).toBeUndefined();
  });

  it("lays regions out in creation order; mmap and mremap take the next slot", () => {
    const m = new Machine();
    const mem = new ScenarioMemory(m);
    const sc = v2();
    mem.setup(sc);
    const a = mem.processes.get("a")!;
    const [r, s0] = [a.regions.get("r")!, a.regions.get("s")!];
    expect(r.start).toBeLessThan(s0.start);
    expect(r.start % 512).toBe(0);
    for (const step of sc.steps.slice(1)) mem.step(step);
    const t = a.regions.get("t")!;
    expect(s0.start).toBeLessThan(t.start);
    expect(t.start).toBeLessThan(r.start); // mremap moved r above every other region
    expect(a.mm.vmas.map((v) => v.start)).toEqual([...a.mm.vmas.map((v) => v.start)].sort((x, y) => x - y));
    // the hole reads as nothing; the dontneed range reads as zeros, without a page
    expect(Array.from(s0.expected!.slice(6))).toEqual([UNMAPPED, UNMAPPED]);
    expect(a.mm.findVma(s0.start + 6)).toBeUndefined();
    expect(m.peek(a.mm, r.start + 5)).toBe(ZERO_CONTENT);
    expect(a.mm.pt.bits(r.start + 5) & PTE_PRESENT).toBe(0);
    expect(m.peek(a.mm, r.start + 100)).toBe(m.contents.pattern(3n));
    expect(mem.verify()).toBe(0);
    const c = mem.processes.get("c")!;
    expect(c.regions.get("r")!.start).toBe(r.start);
    expect(c.nextSlot).toBe(a.nextSlot);
  });

  it("runs the same without keeping contents, which only verify reads", () => {
    const run = (keepContents: boolean) => {
      const m = new Machine();
      const mem = new ScenarioMemory(m, { keepContents });
      const sc = v2();
      mem.setup(sc);
      for (const step of sc.steps.slice(1)) mem.step(step);
      // the rest of s unmapped in two holes: the region goes once no page of it is left
      const left = [...mem.processes.get("a")!.regions.keys()];
      mem.step({ op: "munmap", process: "a", region: "s", range: [0, 3] });
      const afterFirst = [...mem.processes.get("a")!.regions.keys()];
      mem.step({ op: "munmap", process: "a", region: "s", range: [3, 6] });
      const state = [...mem.processes.values()].map((p) => ({
        vmas: p.mm.vmas.map((v) => [v.start, v.end, v.flags]),
        regions: [...p.regions].map(([name, r]) => [
          name,
          r.start,
          Array.from({ length: r.pages }, (_, i) => m.peek(p.mm, r.start + i)),
        ]),
      }));
      return { mem, left, afterFirst, state };
    };
    const kept = run(true);
    const dropped = run(false);
    expect(dropped.state).toEqual(kept.state);
    expect(kept.left).toContain("s");
    expect(dropped.afterFirst).toEqual(kept.afterFirst);
    expect(dropped.afterFirst).toContain("s");
    expect(dropped.mem.processes.get("a")!.regions.has("s")).toBe(false);
    expect(kept.mem.verify()).toBe(0);
    expect([...dropped.mem.processes.get("a")!.regions.values()].every((r) => r.expected === null)).toBe(
      true,
    );
    expect(() => dropped.mem.verify()).toThrow(/keeps no contents/);
  });

  it("a hugepage region is backed by THPs: whole aligned 2 MiB blocks only", () => {
    const m = new Machine();
    const mem = new ScenarioMemory(m);
    mem.setup(
      parseScenario(
        {
          version: 2,
          processes: [{ name: "a", regions: [{ name: "r", pages: 1100, hugepage: true }] }],
        },
        validateKnob,
      ),
    );
    const a = mem.processes.get("a")!;
    expect(m.anonHugePagesKb(a.mm)).toBe(2 * 2048);
    const start = a.regions.get("r")!.start;
    expect(m.frames.isThp(a.mm.pt.pfn(start + 1023))).toBe(true);
    expect(m.frames.isThp(a.mm.pt.pfn(start + 1024))).toBe(false); // the 76-page tail
  });
});

describe("op names inherited from Object.prototype", () => {
  it.each(["toString", "constructor", "__proto__", "hasOwnProperty"])("rejects %s at its JSON path", (op) => {
    expect(() =>
      parseScenario({ processes: [{ name: "a", regions: [] }], steps: [{ op }] }, () => null),
    ).toThrow(expect.objectContaining({ path: "$.steps[0].op" }));
  });
});
