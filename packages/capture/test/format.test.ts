import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { looksIncompressible } from "../src/incompressible.js";
import {
  CaptureError,
  type CaptureEvent,
  CaptureWriter,
  FORMAT_VERSION,
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

/** A version 1 file (one gzip stream) of raw records (type, JSON or bytes), to make ones the writer never would. */
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
    const path = join(dir, "v3.cap");
    raw(path, [[1, JSON.stringify(header)]], 3);
    expect(await failure(path)).toMatch(/format version 3 at offset 8, this ksm-sim reads versions 1 to 2/);
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

/** The frames of a version 2 file: kind, file offset, body length. */
function frames(path: string): { kind: number; at: number; length: number }[] {
  const b = readFileSync(path);
  expect(b.readUInt32LE(8)).toBe(FORMAT_VERSION);
  const out = [];
  for (let at = 16; at < b.length; at += 9 + b.readUInt32LE(at + 1))
    out.push({ kind: b.readUInt8(at), at, length: b.readUInt32LE(at + 1) });
  return out;
}

/** A capture of `n` distinct random pages (1.2 MiB for 300: a stored frame), then VMA records (gzip frames). */
async function randomPages(path: string, n: number): Promise<Uint8Array[]> {
  const w = new CaptureWriter(path, header);
  w.snapshot({ index: 0, label: "snapshot-0", time: 1 });
  w.process({ pid: 7, comm: "a", cmdline: ["a"], mergeAny: true });
  const pages = Array.from({ length: n }, () => new Uint8Array(randomBytes(4096)));
  const ids = Uint32Array.from(pages, (p) => w.content(p));
  w.vma({ ...vma, end: vma.start + n, pages: { ...vma.pages, anon: n } });
  w.pages(0, ids, 1);
  // then 600 KiB of VMA records, which gzip shrinks
  for (let k = 1; k <= 2000; k++)
    w.vma({ ...vma, start: vma.start + n + k * 10, end: vma.start + n + k * 10 + 1 });
  await w.close();
  return pages;
}

describe("format version 2: stored and gzip frames", () => {
  it("stores random page contents as they are and reads them back bit for bit", async () => {
    const path = join(dir, "random.cap");
    const pages = await randomPages(path, 300);
    const kinds = frames(path).map((f) => f.kind);
    expect(kinds[0]).toBe(2); // the first 1 MiB: page contents, random
    expect(kinds.at(-1)).toBe(1); // the VMA records: gzip
    const ev = await events(path);
    const contents = ev.filter((e) => e.kind === "content");
    expect(contents.length).toBe(300);
    for (const [i, c] of contents.entries())
      expect(Buffer.from(c.bytes).equals(Buffer.from(pages[i]!))).toBe(true);
    const run = ev.find((e) => e.kind === "pages")!.run;
    expect([...run.ids!]).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
  });

  it("leaves nothing behind when aborted with frames still being written", async () => {
    const sub = mkdtempSync(join(dir, "abort-busy-"));
    const w = new CaptureWriter(join(sub, "x.cap"), header);
    w.snapshot({ index: 0, label: "s", time: 0 });
    for (let i = 0; i < 600; i++) w.content(randomBytes(4096)); // two frames flushed, in flight
    w.abort();
    expect(readdirSync(sub)).toEqual([]);
    await new Promise((r) => setTimeout(r, 50)); // the writes in flight settle, and write nothing back
    expect(readdirSync(sub)).toEqual([]);
  });

  it("compresses what is not random", async () => {
    const path = join(dir, "ok2.cap");
    await sample(path);
    expect(frames(path).map((f) => f.kind)).toEqual([1]);
  });

  it("refuses a file cut inside a stored frame, with the frame's offset", async () => {
    const path = join(dir, "cut-stored.cap");
    await randomPages(path, 300);
    const [stored] = frames(path);
    const bytes = readFileSync(path);
    writeFileSync(path, bytes.subarray(0, stored!.at + 9 + 1000));
    expect(await failure(path)).toBe(
      `${path} is truncated: the frame at file offset 16 holds ${stored!.length} bytes, the file ends after 1000 of them; the file is not a complete capture.`,
    );
    writeFileSync(path, bytes.subarray(0, 16 + 4));
    expect(await failure(path)).toMatch(
      /truncated: it ends inside the frame header at file offset 16 \(4 of 9 bytes\)/,
    );
  });

  it("refuses a stored frame whose bytes changed (CRC-32), and an unknown frame kind", async () => {
    const path = join(dir, "flip.cap");
    await randomPages(path, 300);
    const bytes = readFileSync(path);
    bytes[16 + 9 + 500000]! ^= 1;
    writeFileSync(path, bytes);
    expect(await failure(path)).toMatch(/the stored frame at file offset 16 fails its CRC-32/);
    bytes[16] = 7;
    writeFileSync(path, bytes);
    expect(await failure(path)).toMatch(
      /at file offset 16: expected a frame of kind 1 \(gzip\) or 2 \(stored\), got 7/,
    );
  });

  it("refuses a corrupt gzip frame, with its offset", async () => {
    const path = join(dir, "bad-gzip.cap");
    await sample(path);
    const bytes = readFileSync(path);
    bytes.fill(0x55, 16 + 9 + 10, 16 + 9 + 30);
    writeFileSync(path, bytes);
    expect(await failure(path)).toMatch(/the gzip frame at file offset 16 is corrupt \(zlib: /);
  });

  it("still reads version 1 files (one gzip stream)", async () => {
    const path = join(dir, "v1.cap");
    raw(path, [
      [1, JSON.stringify(header)],
      [2, JSON.stringify({ index: 0, label: "snapshot-0", time: 0 })],
      [7, JSON.stringify({ snapshots: 1, processes: 0, vmas: 0, pages: 0, contents: 0 })],
    ]);
    expect((await events(path)).map((e) => e.kind)).toEqual(["header", "snapshot", "end"]);
  });
});

describe("looksIncompressible", () => {
  it("takes random bytes for incompressible, and text, zeros and content ids not", () => {
    expect(looksIncompressible(randomBytes(1 << 20))).toBe(true);
    expect(looksIncompressible(new Uint8Array(1 << 20))).toBe(false);
    expect(
      looksIncompressible(Buffer.from("the quick brown fox jumps over the lazy dog ".repeat(30000))),
    ).toBe(false);
    expect(
      looksIncompressible(new Uint8Array(Uint32Array.from({ length: 1 << 18 }, (_, i) => i).buffer)),
    ).toBe(false);
    // a random half and a zero half: gzip saves half, so it is compressed
    expect(looksIncompressible(Buffer.concat([randomBytes(1 << 19), Buffer.alloc(1 << 19)]))).toBe(false);
    expect(looksIncompressible(randomBytes(8192))).toBe(false); // too small to tell
  });
});
