import { type ChildProcess, spawn } from "node:child_process";
import { accessSync, constants, existsSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CaptureError,
  type CaptureEvent,
  captureProcesses,
  ksmIncompatibility,
  parseSmaps,
  readCapture,
} from "../src/index.js";

const SMAPS = `55d0c0a00000-55d0c0a21000 rw-p 00000000 00:00 0                          [heap]
Size:                132 kB
VmFlags: rd wr mr mw me ac
7f1c2a000000-7f1c2a200000 rw-s 00000000 00:01 1234                       /dev/zero (deleted)
Size:               2048 kB
VmFlags: rd wr sh mr mw me ms
7ffd3e5f0000-7ffd3e5f4000 r--p 00000000 00:00 0                          [vvar]
VmFlags: rd mr pf io de dd
`;

describe("VMA rules (vma_ksm_compatible as smaps shows it)", () => {
  it("parses smaps and names the flags that make a VMA unmergeable", () => {
    const vmas = parseSmaps(SMAPS);
    expect(vmas.map((v) => [v.path, v.start.toString(16), ksmIncompatibility(v.vmFlags)])).toEqual([
      ["[heap]", "55d0c0a00000", null],
      ["/dev/zero (deleted)", "7f1c2a000000", "VM_SHARED|VM_MAYSHARE"],
      ["[vvar]", "7ffd3e5f0000", "VM_PFNMAP|VM_IO|VM_DONTEXPAND"],
    ]);
  });

  it("refuses text that is not smaps", () => {
    expect(() => parseSmaps("hello world\n")).toThrow(/smaps line 1 is not understood/);
  });
});

/** Why the live tests cannot run here, or null. */
function cannotCapture(): string | null {
  if (process.platform !== "linux") return "needs Linux /proc";
  if (process.getuid?.() !== 0) return "needs root to read another process's /proc/PID/mem";
  try {
    accessSync("/usr/bin/python3", constants.X_OK);
  } catch {
    return "needs python3 for the target process";
  }
  return null;
}
const why = cannotCapture();

// 64 pages of 0x07, 16 distinct pages, then waits; prints "ready" once the memory is written
const TARGET = `
import mmap, sys, time
m = mmap.mmap(-1, 96 * 4096, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
m[0:64 * 4096] = b"\\x07" * (64 * 4096)
for i in range(16):
    m[(64 + i) * 4096:(65 + i) * 4096] = i.to_bytes(8, "little") * 512
s = mmap.mmap(-1, 8 * 4096, flags=mmap.MAP_SHARED | mmap.MAP_ANONYMOUS)
s[0:8 * 4096] = b"\\x07" * (8 * 4096)
print("ready", flush=True)
time.sleep(600)
`;

describe.skipIf(why !== null)(`live capture${why ? ` (skipped: ${why})` : ""}`, () => {
  let child: ChildProcess;
  const dir = mkdtempSync(join(tmpdir(), "capture-live-"));
  beforeAll(async () => {
    child = spawn("python3", ["-c", TARGET], { stdio: ["ignore", "pipe", "inherit"] });
    await new Promise<void>((resolve) => child.stdout!.once("data", () => resolve()));
  });
  afterAll(() => {
    child.kill();
  });

  async function read(path: string) {
    const out: CaptureEvent[] = [];
    for await (const e of readCapture(path)) out.push(e);
    return out;
  }

  it("keeps each distinct page once with full contents, and skips shared memory", async () => {
    const out = join(dir, "full.cap");
    const summary = await captureProcesses({ pids: [child.pid!], out, contents: "full" });
    const ev = await read(out);
    const vmas = ev.filter((e) => e.kind === "vma").map((e) => e.vma);
    // the private mapping (80 pages written; the kernel may have merged it with a neighbour)
    expect(vmas.some((v) => v.unmergeable === null && v.path === "" && v.pages.anon >= 80)).toBe(true);
    const shared = vmas.find((v) => v.end - v.start === 8);
    expect(shared?.unmergeable).toMatch(/VM_SHARED/);
    // the 0x07 page is one content however many pages hold it
    const contents = new Map<number, Uint8Array>();
    const counts = new Map<number, number>();
    for (const e of ev) {
      if (e.kind === "content") contents.set(e.id, e.bytes);
      if (e.kind === "pages") for (const id of e.run.ids!) counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    const sevens = [...contents].find(([, b]) => b.every((x) => x === 7));
    expect(sevens).toBeDefined();
    expect(counts.get(sevens![0])).toBeGreaterThanOrEqual(64);
    expect(summary.contents).toBe(contents.size);
    // every page read is either captured or found to map the shared zero page
    const zeroPfn = vmas.reduce((n, v) => n + v.pages.zeroPfn, 0);
    expect(summary.bytesRead).toBe((summary.pages + zeroPfn) * 4096);
  });

  it("keeps a hash a page by default, equal for equal pages", async () => {
    const out = join(dir, "hash.cap");
    await captureProcesses({ pids: [child.pid!], out });
    const ev = await read(out);
    expect(ev.some((e) => e.kind === "content")).toBe(false);
    const seen = new Map<string, number>();
    for (const e of ev)
      if (e.kind === "pages")
        for (let i = 0; i < e.run.count; i++) {
          const k = [...e.run.hashes!.subarray(i * 4, i * 4 + 4)].join(",");
          seen.set(k, (seen.get(k) ?? 0) + 1);
        }
    expect(Math.max(...seen.values())).toBeGreaterThanOrEqual(64);
  });

  it("takes N snapshots as a trace", async () => {
    const out = join(dir, "trace.cap");
    const s = await captureProcesses({ pids: [child.pid!], out, count: 3, intervalMs: 10 });
    expect(s.snapshots).toBe(3);
    const labels = (await read(out)).filter((e) => e.kind === "snapshot").map((e) => e.snapshot.label);
    expect(labels).toEqual(["snapshot-0", "snapshot-1", "snapshot-2"]);
  });

  it("refuses a process that exits during the capture, naming the snapshot, leaving no file", async () => {
    const sub = mkdtempSync(join(dir, "exits-"));
    const short = spawn(
      "python3",
      ["-c", "import time; b = bytearray(8 << 20); print('ready', flush=True); time.sleep(0.3)"],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    await new Promise<void>((resolve) => short.stdout!.once("data", () => resolve()));
    const out = join(sub, "x.cap");
    // snapshots every 20 ms for 4 s: the process exits somewhere among them
    await expect(captureProcesses({ pids: [short.pid!], out, count: 200, intervalMs: 20 })).rejects.toThrow(
      new RegExp(
        `process ${short.pid} exited during the capture \\(snapshot \\d+\\); nothing was written to`,
      ),
    );
    expect(readdirSync(sub)).toEqual([]);
  });

  it("refuses a process that is gone, leaving no file", async () => {
    const sub = mkdtempSync(join(dir, "gone-"));
    const dead = spawn("true");
    await new Promise((r) => dead.once("exit", r));
    await expect(captureProcesses({ pids: [dead.pid!], out: join(sub, "x.cap") })).rejects.toThrow(
      CaptureError,
    );
    expect(readdirSync(sub)).toEqual([]);
    expect(existsSync(join(sub, "x.cap"))).toBe(false);
  });
});
