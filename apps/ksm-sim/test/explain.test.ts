import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { readCapture } from "@ksm/capture";
import { describe, expect, it } from "vitest";
import { cli } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "ksm-explain-"));
let n = 0;

/** Explains a scenario of one process `a` with one region `r`; returns the reasons' counts. */
async function reasons(
  region: { pages: number; fill: unknown[]; mergeable?: boolean },
  steps: unknown[],
  knobs: Record<string, number> = {},
  ...flags: string[]
) {
  const file = join(dir, `s${n++}.json`);
  writeFileSync(
    file,
    JSON.stringify({ knobs, processes: [{ name: "a", regions: [{ name: "r", ...region }] }], steps }),
  );
  const r = await cli("explain", file, "--json", ...flags);
  expect(r.err).toBe("");
  expect(r.code).toBe(0);
  const counts: Record<string, number> = {};
  for (const line of r.out.trim().split("\n")) {
    const rec = JSON.parse(line);
    counts[rec.reason] = (counts[rec.reason] ?? 0) + 1;
  }
  return counts;
}

const settled = [{ op: "settle" }, { op: "report", label: "end" }];

describe("ksm-sim explain: every reason on a scenario made to produce it", () => {
  it("merged: one KSM page, the rest sharers", async () => {
    expect(await reasons({ pages: 3, fill: [{ content: { pattern: 7 } }] }, settled)).toEqual({
      "ksm-page": 1,
      sharer: 2,
    });
  });

  it("zero-page: KSM-placed zero pages with use_zero_pages", async () => {
    expect(await reasons({ pages: 4, fill: [{ content: "zero" }] }, settled, { use_zero_pages: 1 })).toEqual({
      "zero-page": 4,
    });
  });

  it("unique: no other page has the content", async () => {
    expect(await reasons({ pages: 2, fill: [{ content: "unique" }] }, settled, { smart_scan: 0 })).toEqual({
      unique: 2,
    });
  });

  it("not-scanned: before ksmd visits", async () => {
    expect(await reasons({ pages: 2, fill: [{ content: { pattern: 7 } }] }, [{ op: "report" }])).toEqual({
      "not-scanned": 2,
    });
  });

  it("volatile and unstable: a page just rewritten, and the one it now equals, waiting in the tree", async () => {
    const got = await reasons(
      {
        pages: 2,
        fill: [
          { range: [0, 1], content: { pattern: 5 } },
          { range: [1, 2], content: { pattern: 6 } },
        ],
      },
      [
        { op: "settle" },
        { op: "write", process: "a", region: "r", range: [1, 2], content: { pattern: 5 } },
        { op: "scan" },
        { op: "report" },
      ],
      { smart_scan: 0 },
    );
    expect(got).toEqual({ unstable: 1, volatile: 1 });
  });

  it("skipped: smart scan passes over a page that keeps failing", async () => {
    // visits at age 0-3 scan it, the one at age 4 skips it (should_skip_rmap_item)
    const region = { pages: 1, fill: [{ content: "unique" }] };
    expect(await reasons(region, [{ op: "scan", fullScans: 5 }, { op: "report" }])).toEqual({ skipped: 1 });
    expect(await reasons(region, [{ op: "scan", fullScans: 6 }, { op: "report" }])).toEqual({ unique: 1 });
  });

  it("chain-full: the content's KSM page is at max_page_sharing, no partner left", async () => {
    expect(
      await reasons({ pages: 3, fill: [{ content: { pattern: 7 } }] }, settled, { max_page_sharing: 2 }),
    ).toEqual({ "ksm-page": 1, sharer: 1, "chain-full": 1 });
  });

  it("vma-unmergeable: a region never marked mergeable", async () => {
    expect(
      await reasons({ pages: 3, fill: [{ content: { pattern: 7 } }], mergeable: false }, [{ op: "report" }]),
    ).toEqual({ "vma-unmergeable": 3 });
  });
});

describe("ksm-sim explain: choosing the moment and the process", () => {
  it("--at explains at that report", async () => {
    const region = { pages: 2, fill: [{ content: { pattern: 7 } }] };
    const steps = [{ op: "report", label: "before" }, ...settled];
    expect(await reasons(region, steps, {}, "--at", "before")).toEqual({ "not-scanned": 2 });
    expect(await reasons(region, steps, {}, "--at", "end")).toEqual({ "ksm-page": 1, sharer: 1 });
  });

  it("refuses an unknown label or process with exit 2, naming the ones there are", async () => {
    const file = resolve(import.meta.dirname, "../../../examples/two-vms.json");
    const at = await cli("explain", file, "--at", "nope");
    expect(at.code).toBe(2);
    expect(at.err).toMatch(/--at nope: no report of that label; the reports are "/);
    const p = await cli("explain", file, "--process", "nope");
    expect(p.code).toBe(2);
    expect(p.err).toMatch(/--process nope: no such live process at ".*"; there are "/);
  });

  it("prints a summary table per process and region, with a total", async () => {
    const r = await cli("explain", resolve(import.meta.dirname, "../../../examples/two-vms.json"));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /^\[explain at .*\] pages by why they are or are not merged\n {2}process +region \/ VMA/,
    );
    expect(r.out).toMatch(/\n {2}\S+ +total +\d/);
  });
});

describe("ksm-sim explain on a capture", () => {
  it("counts the captured VMAs the kernel would not scan, with their rule", async () => {
    const cap = resolve(import.meta.dirname, "../../../examples/captures/python-idle-4.cap");
    const r = await cli("explain", cap);
    expect(r.code).toBe(0);
    // exec builds the stack without VM_MERGEABLE in these merge-any processes
    expect(r.out).toMatch(/\[stack\]@[0-9a-f]+ \(not VM_MERGEABLE \(KSM is on in the process\)\)/);
  });

  it("gives each captured page its virtual address in --json", async () => {
    const cap = resolve(import.meta.dirname, "../../../examples/captures/python-idle-4.cap");
    // what the capture holds: the addresses of the pages of each process's VM_MERGEABLE VMAs
    const captured = new Set<string>();
    let proc = "";
    let vma: { start: number; vmFlags: readonly string[] } | undefined;
    for await (const e of readCapture(cap)) {
      if (e.kind === "process") proc = `${e.process.comm}-${e.process.pid}`;
      if (e.kind === "vma") vma = e.vma;
      if (e.kind === "pages" && vma!.vmFlags.includes("mg"))
        for (let i = 0; i < e.run.count; i++)
          captured.add(`${proc} 0x${((vma!.start + e.run.first + i) * 4096).toString(16)}`);
    }
    const r = await cli("explain", cap, "--json");
    const explained = r.out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l))
      .filter((p) => p.page !== undefined)
      .map((p) => `${p.process} ${p.address}`);
    expect(new Set(explained)).toEqual(captured);
    expect(explained).toHaveLength(captured.size);
  });
});
