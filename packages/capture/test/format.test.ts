import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import {
  CaptureError,
  type CaptureEvent,
  CaptureWriter,
  readCapture,
  readCaptureSync,
} from "../src/index.js";

const dir = mkdtempSync(join(tmpdir(), "capture-format-"));
const header = { contents: "full" as const, pageSize: 4096, kernel: "6.18", hostname: "h", created: "now" };
const vma = {
  start: 100,
  end: 110,
  perms: "rw-p",
  offset: 0,
  dev: "00:00",
  inode: 0,
  path: "",
  vmFlags: ["rd", "wr"],
  unmergeable: null,
  pages: { anon: 3, file: 0, zeroPfn: 0, swapped: 0 },
};

/** The file's events through readCapture; readCaptureSync must give the same ones. */
async function events(path: string): Promise<CaptureEvent[]> {
  const out: CaptureEvent[] = [];
  for await (const e of readCapture(path)) out.push(e);
  expect([...readCaptureSync(path)]).toEqual(out);
  return out;
}

function message(read: () => unknown): string {
  try {
    read();
  } catch (e) {
    expect(e).toBeInstanceOf(CaptureError);
    return (e as Error).message;
  }
  throw new Error("the file was accepted");
}

/** readCapture's error for the file; readCaptureSync must refuse it with the same one. */
async function failure(path: string): Promise<string> {
  let got: string | undefined;
  try {
    for await (const _ of readCapture(path));
  } catch (e) {
    expect(e).toBeInstanceOf(CaptureError);
    got = (e as Error).message;
  }
  if (got === undefined) throw new Error("the file was accepted");
  const sync = message(() => [...readCaptureSync(path)]);
  // readCaptureSync decompresses a version 1 file whole: it cannot say how far a cut gzip stream got
  if (/the compressed records are/.test(got)) expect(sync).toMatch(/the compressed records are/);
  else expect(sync).toBe(got);
  return got;
}

async function sample(path: string): Promise<void> {
  const w = new CaptureWriter(path, header);
  w.snapshot({ index: 0, label: "snapshot-0", time: 1 });
  w.process({ pid: 7, comm: "a", cmdline: ["a"], mergeAny: true });
  const page = new Uint8Array(4096).fill(9);
  const id = w.content(page);
  w.vma(vma);
  w.pages(2, Uint32Array.of(id, 0, id), 1);
  await w.close();
}

/** A file of raw records (type, JSON or bytes), to make ones the writer never would. */
function raw(path: string, records: [number, string | Buffer][], version = 1): void {
  const pre = Buffer.alloc(16);
  pre.write("KSMCAPT\n", 0, "latin1");
  pre.writeUInt32LE(version, 8);
  const body = Buffer.concat(
    records.map(([t, p]) => {
      const payload = typeof p === "string" ? Buffer.from(p) : p;
      const h = Buffer.alloc(5);
      h.writeUInt8(t, 0);
      h.writeUInt32LE(payload.length, 1);
      return Buffer.concat([h, payload]);
    }),
  );
  writeFileSync(path, Buffer.concat([pre, gzipSync(body)]));
}

describe("capture file format", () => {
  it("reads back what the writer wrote, in order", async () => {
    const path = join(dir, "ok.cap");
    await sample(path);
    const ev = await events(path);
    expect(ev.map((e) => e.kind)).toEqual([
      "header",
      "snapshot",
      "process",
      "content",
      "vma",
      "pages",
      "end",
    ]);
    const content = ev[3] as Extract<CaptureEvent, { kind: "content" }>;
    expect(content.id).toBe(1);
    expect(content.bytes.every((b) => b === 9)).toBe(true);
    const pages = ev[5] as Extract<CaptureEvent, { kind: "pages" }>;
    expect(pages.run.first).toBe(2);
    expect([...pages.run.ids!]).toEqual([1, 0, 1]);
    expect(ev[6]).toMatchObject({ totals: { snapshots: 1, processes: 1, vmas: 1, pages: 3, contents: 1 } });
  });

  it("leaves nothing behind when a capture is aborted", () => {
    const sub = mkdtempSync(join(dir, "abort-"));
    const w = new CaptureWriter(join(sub, "x.cap"), header);
    w.snapshot({ index: 0, label: "s", time: 0 });
    w.abort();
    expect(readdirSync(sub)).toEqual([]);
  });

  it("refuses a truncated file, saying so", async () => {
    const path = join(dir, "cut.cap");
    await sample(path);
    const bytes = readFileSync(path);
    writeFileSync(path, bytes.subarray(0, bytes.length - 20));
    expect(await failure(path)).toMatch(/truncated/);
  });

  it("refuses a file without the end record", async () => {
    const path = join(dir, "noend.cap");
    raw(path, [[1, JSON.stringify(header)]]);
    expect(await failure(path)).toMatch(/truncated: it ends at byte \d+ .* without the end record/);
  });

  it("refuses a newer format version, naming it", async () => {
    const path = join(dir, "v2.cap");
    raw(path, [[1, JSON.stringify(header)]], 2);
    expect(await failure(path)).toMatch(/format version 2 at offset 8, this ksm-sim reads versions 1 to 1/);
  });

  it("refuses a file that is not a capture", async () => {
    const path = join(dir, "json.cap");
    writeFileSync(path, '{"processes": []}');
    expect(await failure(path)).toMatch(/is not a ksm-sim capture/);
  });

  it("names the byte offset of a record out of place", async () => {
    const path = join(dir, "order.cap");
    const h = JSON.stringify(header);
    raw(path, [
      [1, h],
      [4, JSON.stringify(vma)],
    ]);
    expect(await failure(path)).toBe(
      `${path}: at byte ${5 + h.length} of the decompressed records (a vma record): expected a process record before the first VMA. The file is corrupt; nothing was run.`,
    );
  });

  it("refuses pages outside their VMA and unknown content ids", async () => {
    const pages = (first: number, ids: number[]) => {
      const b = Buffer.alloc(8 + ids.length * 4);
      b.writeUInt32LE(first, 0);
      b.writeUInt32LE(ids.length, 4);
      for (const [i, id] of ids.entries()) b.writeUInt32LE(id, 8 + i * 4);
      return b;
    };
    const start: [number, string][] = [
      [1, JSON.stringify(header)],
      [2, JSON.stringify({ index: 0, label: "s", time: 0 })],
      [3, JSON.stringify({ pid: 1, comm: "a", cmdline: [], mergeAny: null })],
      [4, JSON.stringify(vma)],
    ];
    const path = join(dir, "pages.cap");
    raw(path, [...start, [6, pages(9, [0, 0])]]);
    expect(await failure(path)).toMatch(/expected pages from 0 to 10 of the VMA, in order, got \[9, 11\)/);
    raw(path, [...start, [6, pages(0, [5])]]);
    expect(await failure(path)).toMatch(/expected content ids up to 0, got 5/);
  });
});
