import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { CaptureWriter, type ContentsMode } from "@ksm/capture";
import { describe, expect, it } from "vitest";
import { cli } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "ksm-capture-run-"));

/** A page of one byte value everywhere; `n` distinct values give distinct pages. */
const page = (v: number) => new Uint8Array(4096).fill(v);

/**
 * Writes a capture of processes, each a list of VMAs, each a list of page values (0: the
 * zero page, null: not present), one list per snapshot.
 */
async function writeCapture(
  name: string,
  mode: ContentsMode,
  snapshots: { pid: number; vmas: (number | null)[][]; unmergeable?: boolean; unmarked?: boolean }[][],
): Promise<string> {
  const path = join(dir, name);
  const w = new CaptureWriter(path, {
    contents: mode,
    pageSize: 4096,
    kernel: "t",
    hostname: "t",
    created: "t",
  });
  const ids = new Map<number, number>();
  for (const [s, procs] of snapshots.entries()) {
    w.snapshot({ index: s, label: `snapshot-${s}`, time: s * 1000 });
    for (const p of procs) {
      w.process({ pid: p.pid, comm: "app", cmdline: ["app"], mergeAny: true });
      for (const [k, vals] of p.vmas.entries()) {
        const start = 0x1000 * (k + 1);
        const entries: number[][] = [];
        for (const [i, v] of vals.entries()) {
          if (v === null) continue;
          if (v !== 0 && mode === "full" && !ids.has(v)) ids.set(v, w.content(page(v)));
          entries.push([
            i,
            ...(mode === "full" ? [v === 0 ? 0 : ids.get(v)!] : v === 0 ? [0, 0, 0, 0] : [v, 1, 2, 3]),
          ]);
        }
        const unmergeable = p.unmergeable && k === 0 ? "VM_SHARED|VM_MAYSHARE" : null;
        w.vma({
          start,
          end: start + vals.length,
          perms: "rw-p",
          offset: 0,
          dev: "00:00",
          inode: 0,
          path: "",
          // the last VMA of an `unmarked` process lacks VM_MERGEABLE, as exec's stack does
          vmFlags: unmergeable
            ? ["sh", "ms"]
            : p.unmarked && k === p.vmas.length - 1
              ? ["rd", "wr"]
              : ["rd", "wr", "mg"],
          unmergeable,
          pages: { anon: entries.length, file: 0, zeroPfn: 0, swapped: 0 },
        });
        if (unmergeable) continue;
        // one run per stretch of present pages
        let run: number[][] = [];
        const flush = () => {
          if (run.length)
            w.pages(run[0]![0]!, Uint32Array.from(run.flatMap((e) => e.slice(1))), mode === "full" ? 1 : 4);
          run = [];
        };
        for (const e of entries) {
          if (run.length && run.at(-1)![0]! + 1 !== e[0]) flush();
          run.push(e);
        }
        flush();
      }
    }
  }
  await w.close();
  return path;
}

const counters = (out: string, label: string) => {
  const block =
    out.split("\n\n").find((b) => b.startsWith(`[${label}]`)) ?? out.slice(out.indexOf(`[${label}]`));
  const get = (k: string) => Number(new RegExp(`${k}\\s+(-?\\d+)`).exec(block)![1]);
  return { shared: get("pages_shared"), sharing: get("pages_sharing"), zero: get("ksm_zero_pages") };
};

describe("ksm-sim run on a capture", () => {
  // two processes: 8 pages of 7 each, 4 distinct pages each, 2 zero pages each
  const procs = (pidBase: number) =>
    [0, 1].map((i) => ({
      pid: pidBase + i,
      vmas: [[7, 7, 7, 7, 7, 7, 7, 7, 20 + i * 4, 21 + i * 4, 22 + i * 4, 23 + i * 4, 0, 0]],
    }));

  it.each(["full", "hash"] as const)("settles a %s capture and prints a timeline", async (mode) => {
    const file = await writeCapture(`two-${mode}.cap`, mode, [procs(100)]);
    const r = await cli("run", file);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    // the 16 pages of 7 make one KSM page; the 4 zero pages another (use_zero_pages is 0)
    expect(counters(r.out, "settled")).toEqual({ shared: 2, sharing: 18, zero: 0 });
    expect(r.out).toMatch(/\[timeline\] ksmd at pages_to_scan=100 sleep_millisecs=20/);
    const saved = /saved ([\d.]+) MiB after ([\d.]+) s of ksmd/.exec(r.out)!;
    expect(Number(saved[1])).toBeCloseTo((18 * 4096) / 2 ** 20, 2);
    // 2 batches of 100 pages, 20 ms apart, cannot take less than 2 full scans' sleep
    expect(Number(saved[2])).toBeGreaterThanOrEqual(0.04);
  });

  it("follows the knobs in the timeline: pages_to_scan 1 takes a batch a page", async () => {
    const file = await writeCapture("pace.cap", "full", [procs(200)]);
    const fast = await cli("run", file, "--jsonl");
    const slow = await cli("run", file, "--jsonl", "--pages-to-scan", "1", "--sleep-millisecs", "50");
    const t = (o: string) => JSON.parse(o.trim().split("\n").at(-1)!);
    expect(t(slow.out).knobs).toEqual({ pagesToScan: 1, sleepMillisecs: 50 });
    const first = (o: string) => t(o).points[0].seconds;
    // one full scan: 28 pages; at 1 page a batch that is 28 sleeps of 50 ms
    expect(first(slow.out)).toBeGreaterThanOrEqual(28 * 0.05);
    expect(first(fast.out)).toBeLessThan(first(slow.out));
  });

  it("replays a trace: pages written between snapshots are writes between full scans", async () => {
    const a = [7, 7, 7, 7, 8, 9];
    const file = await writeCapture("trace.cap", "full", [
      [
        { pid: 1, vmas: [a] },
        { pid: 2, vmas: [a] },
      ],
      // pid 2 rewrote its 8 and 9 into 7s, pid 1 is unchanged
      [
        { pid: 1, vmas: [a] },
        { pid: 2, vmas: [[7, 7, 7, 7, 7, 7]] },
      ],
    ]);
    const r = await cli("run", file);
    expect(r.code).toBe(0);
    expect(r.out).toContain("[snapshot-0] after 1 full scans");
    expect(r.out).toContain("[snapshot-1] after 2 full scans");
    // settled: the 10 pages of 7 on one KSM page; 8 and 9 are left in pid 1 alone
    expect(counters(r.out, "settled")).toEqual({ shared: 1, sharing: 9, zero: 0 });
  });

  it("lands a trace's writes in the timeline when the simulated clock reaches their snapshot", async () => {
    const a = [7, 7, 7, 7, 8, 9];
    const file = await writeCapture("trace-time.cap", "full", [
      [
        { pid: 1, vmas: [a] },
        { pid: 2, vmas: [a] },
      ],
      [
        { pid: 1, vmas: [a] },
        { pid: 2, vmas: [[7, 7, 7, 7, 30, 31]] },
      ], // 1 s later
    ]);
    const r = await cli("run", file, "--jsonl");
    const { points } = JSON.parse(r.out.trim().split("\n").at(-1)!);
    const before = points.filter((p: { seconds: number }) => p.seconds < 1);
    const after = points.filter((p: { seconds: number }) => p.seconds >= 1);
    // before the writes: 8 pages of 7 and the pairs of 8s and 9s merged; after, pid 2's 8
    // and 9 are gone (its new pages unique), their KSM pages left to pid 1 alone
    expect(before.at(-1)).toMatchObject({ pagesShared: 3, pagesSharing: 9 });
    expect(after.at(-1)).toMatchObject({ pagesShared: 3, pagesSharing: 7 });
  });

  it("takes a scenario whose memory is a capture, with its own knobs and steps", async () => {
    await writeCapture("mem.cap", "hash", [procs(300)]);
    const file = join(dir, "with-memory.json");
    writeFileSync(
      file,
      JSON.stringify({
        memory: "mem.cap",
        knobs: { use_zero_pages: 1 },
        steps: [{ op: "settle" }, { op: "report", label: "zero pages" }],
      }),
    );
    const r = await cli("run", file);
    expect(r.err).toBe("");
    expect(counters(r.out, "zero pages")).toEqual({ shared: 1, sharing: 15, zero: 4 });
  });

  it("leaves out what the kernel would: incompatible VMAs, and unmarked ones of a KSM process", async () => {
    const seven = [7, 7, 7, 7];
    const file = await writeCapture("rules.cap", "hash", [
      [
        { pid: 1, vmas: [seven, seven], unmergeable: true },
        { pid: 2, vmas: [seven, seven], unmarked: true },
      ],
    ]);
    const r = await cli("run", file);
    // only pid 1's second VMA and pid 2's first are scanned: 8 pages of 7
    expect(counters(r.out, "settled")).toEqual({ shared: 1, sharing: 7, zero: 0 });
  });

  it("refuses a truncated capture with exit 2 and the byte offset", async () => {
    const file = await writeCapture("cut.cap", "full", [procs(400)]);
    const bytes = readFileSync(file);
    writeFileSync(file, bytes.subarray(0, bytes.length - 30));
    const r = await cli("run", file);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/truncated/);
    expect(r.err.trim().split("\n")).toHaveLength(1);
  });

  it("refuses a memory that is not a capture, naming $.memory", async () => {
    const file = join(dir, "bad-memory.json");
    writeFileSync(file, JSON.stringify({ memory: "with-memory.json" }));
    const r = await cli("run", file);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/invalid scenario at \$\.memory: .* is not a capture file/);
  });
});

describe("the committed capture (4 idle merge-any Pythons, tools/live-check)", () => {
  const base = resolve(import.meta.dirname, "../../../examples/captures/python-idle-4");
  const kernel = JSON.parse(readFileSync(`${base}.kernel.json`, "utf8"));

  it("replays to what the real ksmd reached on those processes, within 1 %", async () => {
    const file = join(dir, "committed.json");
    writeFileSync(
      file,
      JSON.stringify({
        memory: `${base}.cap`,
        knobs: kernel.knobs,
        steps: [{ op: "settle" }, { op: "report", label: "settled" }],
      }),
    );
    const r = await cli("run", file, "--jsonl");
    expect(r.err).toBe("");
    const settled = r.out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l))
      .find((x) => x.label === "settled");
    for (const row of kernel.rows as { counter: string; kernel: number }[]) {
      const predicted = settled.counters[row.counter];
      expect(Math.abs(predicted - row.kernel), row.counter).toBeLessThanOrEqual(row.kernel / 100);
    }
  });
});
