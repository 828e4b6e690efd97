import { closeSync, createReadStream, openSync, readFileSync, readSync } from "node:fs";
import { promisify } from "node:util";
import { crc32, createGunzip, gunzip, gunzipSync } from "node:zlib";
import {
  CAPTURE_PAGE_SIZE,
  CaptureError,
  type CaptureEvent,
  type CaptureHeader,
  type CaptureTotals,
  FORMAT_VERSION,
  FRAME,
  FRAME_HEADER_BYTES,
  MAGIC,
  MAX_FRAME_BYTES,
  MAX_RUN_PAGES,
  PREAMBLE_BYTES,
  RECORD,
  RECORD_HEADER_BYTES,
  type VmaInfo,
} from "./format.js";

const gunzipAsync = promisify(gunzip);
const NAMES: Record<number, string> = Object.fromEntries(Object.entries(RECORD).map(([k, v]) => [v, k]));
/** A record longer than this is corrupt (the largest legitimate one is a full pages record). */
const MAX_RECORD_BYTES = 8 + MAX_RUN_PAGES * 16 + (1 << 20);

/**
 * Reads a capture file as a stream of events, one per record, checking everything as it
 * goes: the magic and version, record order (header, then snapshots of processes of VMAs
 * of pages), every field, page indices inside their VMA, content ids, and the end record's
 * totals. Memory: one frame (about 1 MiB) and one record at a time. Throws
 * {@link CaptureError} naming the file, the byte offset in the decompressed records (or in
 * the file, for a frame) and what was expected there; a truncated file (no end record, a
 * cut frame or gzip stream), a frame that fails its CRC-32 and a newer format version are
 * errors too. Reads versions 1 and 2.
 */
export async function* readCapture(path: string): AsyncGenerator<CaptureEvent> {
  const version = checkPreamble(path);
  const records = new RecordSplitter(path);
  if (version === 1) {
    const gunzip = createReadStream(path, { start: PREAMBLE_BYTES }).pipe(createGunzip());
    try {
      for await (const chunk of gunzip as AsyncIterable<Buffer>) yield* records.push(chunk);
    } catch (e) {
      throw records.zlibError(e);
    } finally {
      gunzip.destroy();
    }
  } else {
    for (const f of readFrames(path))
      yield* records.push(f.kind === FRAME.stored ? f.body : await inflate(path, f, gunzipAsync));
  }
  records.finish();
}

/**
 * {@link readCapture} without awaiting, for callers that cannot (a workload generator in a
 * worker thread): the same events and the same checks and errors. A version 2 file is read
 * frame by frame, as readCapture does; a version 1 file is decompressed whole (its gzip
 * members are not delimited), so its records are all in memory at once.
 */
export function* readCaptureSync(path: string): Generator<CaptureEvent> {
  const version = checkPreamble(path);
  const records = new RecordSplitter(path);
  if (version === 1) {
    let body: Buffer;
    try {
      body = gunzipSync(readFileSync(path).subarray(PREAMBLE_BYTES));
    } catch (e) {
      throw records.zlibError(e);
    }
    yield* records.push(body);
  } else {
    for (const f of readFrames(path))
      yield* records.push(f.kind === FRAME.stored ? f.body : inflate(path, f, gunzipSync));
  }
  records.finish();
}

/** A version 2 frame as read: its kind, its body (stored ones checked against their CRC-32), its file offset. */
interface Frame {
  readonly kind: number;
  readonly body: Buffer;
  readonly at: number;
}

/** The frames of a version 2 file, in order, each checked: kind, length, whole, CRC-32 (stored). */
function* readFrames(path: string): Generator<Frame> {
  const fd = openSync(path, "r");
  try {
    yield* framesOf(path, fd);
  } finally {
    closeSync(fd);
  }
}

function* framesOf(path: string, fd: number): Generator<Frame> {
  const header = Buffer.alloc(FRAME_HEADER_BYTES);
  for (let at = PREAMBLE_BYTES; ; ) {
    const got = readSync(fd, header, 0, FRAME_HEADER_BYTES, at);
    if (got === 0) return;
    if (got < FRAME_HEADER_BYTES)
      throw new CaptureError(
        `${path} is truncated: it ends inside the frame header at file offset ${at} (${got} of ${FRAME_HEADER_BYTES} bytes); the file is not a complete capture.`,
      );
    const kind = header.readUInt8(0);
    const length = header.readUInt32LE(1);
    if (kind !== FRAME.gzip && kind !== FRAME.stored)
      throw new CaptureError(
        `${path}: at file offset ${at}: expected a frame of kind ${FRAME.gzip} (gzip) or ${FRAME.stored} (stored), got ${kind}. The file is corrupt; nothing was run.`,
      );
    if (length > MAX_FRAME_BYTES)
      throw new CaptureError(
        `${path}: at file offset ${at}: expected a frame of at most ${MAX_FRAME_BYTES} bytes, got ${length}. The file is corrupt; nothing was run.`,
      );
    const body = Buffer.allocUnsafe(length);
    const n = length === 0 ? 0 : readSync(fd, body, 0, length, at + FRAME_HEADER_BYTES);
    if (n < length)
      throw new CaptureError(
        `${path} is truncated: the frame at file offset ${at} holds ${length} bytes, the file ends after ${n} of them; the file is not a complete capture.`,
      );
    if (kind === FRAME.stored && crc32(body) !== header.readUInt32LE(5))
      throw new CaptureError(
        `${path}: the stored frame at file offset ${at} fails its CRC-32 (${length} bytes); the file is corrupt, nothing was run.`,
      );
    yield { kind, body, at };
    at += FRAME_HEADER_BYTES + length;
  }
}

/**
 * A gzip frame's records, through `gunzip` (zlib's sync call, or its thread-pool one
 * promisified), at most MAX_FRAME_BYTES of them; zlib's errors become a CaptureError with
 * the frame's file offset.
 */
function inflate<R extends Buffer | Promise<Buffer>>(
  path: string,
  f: Frame,
  gunzip: (body: Buffer, opts: { maxOutputLength: number }) => R,
): R {
  const fail = (e: unknown): never => {
    throw new CaptureError(
      `${path}: the gzip frame at file offset ${f.at} is corrupt (zlib: ${(e as Error).message}); the file is not a complete capture.`,
    );
  };
  try {
    const out = gunzip(f.body, { maxOutputLength: MAX_FRAME_BYTES });
    return (out instanceof Promise ? out.catch(fail) : out) as R;
  } catch (e) {
    return fail(e);
  }
}

/** Cuts decompressed bytes into records, checked in order by a {@link Checker}. */
class RecordSplitter {
  private readonly check: Checker;
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly path: string) {
    this.check = new Checker(path);
  }

  /** The events of the whole records now buffered; keeps a partial one for the next chunk. */
  *push(chunk: Buffer): Generator<CaptureEvent> {
    const check = this.check;
    const pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    let at = 0;
    while (pending.length - at >= RECORD_HEADER_BYTES) {
      const type = pending.readUInt8(at);
      const length = pending.readUInt32LE(at + 1);
      if (length > MAX_RECORD_BYTES) check.fail(`a record of at most ${MAX_RECORD_BYTES} bytes`, length);
      if (pending.length - at < RECORD_HEADER_BYTES + length) break;
      const payload = pending.subarray(at + RECORD_HEADER_BYTES, at + RECORD_HEADER_BYTES + length);
      yield check.record(type, payload);
      check.offset += RECORD_HEADER_BYTES + length;
      at += RECORD_HEADER_BYTES + length;
    }
    this.pending = pending.subarray(at);
  }

  /** After the last chunk: no partial record left, and the end record seen. */
  finish(): void {
    if (this.pending.length > 0) this.check.fail("a whole record", `${this.pending.length} trailing bytes`);
    this.check.finish();
  }

  /** The CaptureError for an error of zlib's (a cut or corrupt gzip stream); CaptureErrors pass. */
  zlibError(e: unknown): CaptureError {
    if (e instanceof CaptureError) return e;
    const err = e as NodeJS.ErrnoException;
    return new CaptureError(
      `${this.path}: the compressed records are ${err.code === "Z_BUF_ERROR" ? "truncated" : "corrupt"} ` +
        `after byte ${this.check.offset} of the decompressed records (zlib: ${err.message}); the file is not a complete capture.`,
    );
  }
}

/** Checks the magic and version; returns the version (1 to FORMAT_VERSION). */
function checkPreamble(path: string): number {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    throw new CaptureError(`cannot read capture file ${path}: ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
  const pre = Buffer.alloc(PREAMBLE_BYTES);
  const n = readSync(fd, pre, 0, PREAMBLE_BYTES, 0);
  closeSync(fd);
  if (n < PREAMBLE_BYTES || pre.toString("latin1", 0, 8) !== MAGIC)
    throw new CaptureError(
      `${path} is not a ksm-sim capture: expected the bytes "KSMCAPT\\n" and a version at offset 0 (write one with "ksm-sim capture").`,
    );
  const version = pre.readUInt32LE(8);
  if (version > FORMAT_VERSION || version === 0)
    throw new CaptureError(
      `${path}: capture format version ${version} at offset 8, this ksm-sim reads versions 1 to ${FORMAT_VERSION}; use a newer ksm-sim.`,
    );
  return version;
}

/** Checks records in order and turns them into events. */
class Checker {
  offset = 0;
  private header: CaptureHeader | undefined;
  private snapshots = 0;
  private processes = 0;
  private vmas = 0;
  private pages = 0;
  private contents = 0;
  private vma: VmaInfo | undefined;
  private nextPage = 0;
  private ended = false;
  private recordType = 0;

  constructor(private readonly path: string) {}

  fail(expected: string, got?: unknown): never {
    const what = NAMES[this.recordType] ? ` (a ${NAMES[this.recordType]} record)` : "";
    const shown = got === undefined ? "" : `, got ${typeof got === "string" ? got : JSON.stringify(got)}`;
    throw new CaptureError(
      `${this.path}: at byte ${this.offset} of the decompressed records${what}: expected ${expected}${shown}. The file is corrupt; nothing was run.`,
    );
  }

  record(type: number, payload: Buffer): CaptureEvent {
    this.recordType = type;
    if (this.ended) this.fail("nothing after the end record", NAMES[type] ?? type);
    if (!this.header && type !== RECORD.header) this.fail("the header record first", NAMES[type] ?? type);
    switch (type) {
      case RECORD.header: {
        if (this.header) this.fail("one header record");
        const h = this.json(payload);
        if (h.contents !== "full" && h.contents !== "hash")
          this.fail(`contents "full" or "hash"`, h.contents);
        if (h.pageSize !== CAPTURE_PAGE_SIZE) this.fail(`pageSize ${CAPTURE_PAGE_SIZE}`, h.pageSize);
        for (const k of ["kernel", "hostname", "created"])
          if (typeof h[k] !== "string") this.fail(`a string ${k}`);
        this.header = h as unknown as CaptureHeader;
        return { kind: "header", header: this.header };
      }
      case RECORD.snapshot: {
        const s = this.json(payload);
        if (s.index !== this.snapshots) this.fail(`snapshot index ${this.snapshots}`, s.index);
        if (typeof s.label !== "string" || typeof s.time !== "number") this.fail("a label and a time");
        this.snapshots++;
        this.vma = undefined;
        return { kind: "snapshot", snapshot: s as never };
      }
      case RECORD.process: {
        if (this.snapshots === 0) this.fail("a snapshot record before the first process");
        const p = this.json(payload);
        if (!Number.isInteger(p.pid) || typeof p.comm !== "string" || !Array.isArray(p.cmdline))
          this.fail("a process with pid, comm and cmdline", p);
        this.processes++;
        this.vma = undefined;
        return { kind: "process", process: p as never };
      }
      case RECORD.vma: {
        if (this.processes === 0) this.fail("a process record before the first VMA");
        const v = this.json(payload);
        if (
          !Number.isInteger(v.start) ||
          !Number.isInteger(v.end) ||
          (v.start as number) >= (v.end as number)
        )
          this.fail("a VMA with integer start < end (page numbers)", [v.start, v.end]);
        if (v.unmergeable !== null && typeof v.unmergeable !== "string")
          this.fail("unmergeable: null or a string", v.unmergeable);
        if (!Array.isArray(v.vmFlags) || typeof v.pages !== "object" || v.pages === null)
          this.fail("a VMA with vmFlags and page counts");
        this.vmas++;
        this.vma = v as unknown as VmaInfo;
        this.nextPage = 0;
        return { kind: "vma", vma: this.vma };
      }
      case RECORD.content: {
        if (this.header!.contents !== "full") this.fail("no content record in a hash capture");
        if (payload.length !== 4 + CAPTURE_PAGE_SIZE)
          this.fail(`${4 + CAPTURE_PAGE_SIZE} bytes`, payload.length);
        const id = payload.readUInt32LE(0);
        if (id !== this.contents + 1) this.fail(`content id ${this.contents + 1}`, id);
        this.contents++;
        return { kind: "content", id, bytes: new Uint8Array(payload.subarray(4)) };
      }
      case RECORD.pages: {
        const vma = this.vma;
        if (!vma) this.fail("a VMA record before its pages");
        if (vma.unmergeable !== null) this.fail("no pages in an unmergeable VMA");
        const words = this.header!.contents === "full" ? 1 : 4;
        if (payload.length < 8) this.fail("a first page and a count");
        const first = payload.readUInt32LE(0);
        const count = payload.readUInt32LE(4);
        if (count < 1 || count > MAX_RUN_PAGES || payload.length !== 8 + count * words * 4)
          this.fail(
            `1 to ${MAX_RUN_PAGES} pages of ${words * 4} bytes`,
            `${count} pages in ${payload.length} bytes`,
          );
        if (first < this.nextPage || first + count > vma.end - vma.start)
          this.fail(
            `pages from ${this.nextPage} to ${vma.end - vma.start} of the VMA, in order`,
            `[${first}, ${first + count})`,
          );
        const entries = new Uint32Array(count * words);
        for (let i = 0; i < entries.length; i++) entries[i] = payload.readUInt32LE(8 + i * 4);
        if (words === 1)
          for (let i = 0; i < count; i++)
            if (entries[i]! > this.contents) this.fail(`content ids up to ${this.contents}`, entries[i]);
        this.nextPage = first + count;
        this.pages += count;
        return {
          kind: "pages",
          run: words === 1 ? { first, count, ids: entries } : { first, count, hashes: entries },
        };
      }
      case RECORD.end: {
        const t = this.json(payload);
        const mine: CaptureTotals = {
          snapshots: this.snapshots,
          processes: this.processes,
          vmas: this.vmas,
          pages: this.pages,
          contents: this.contents,
        };
        for (const [k, v] of Object.entries(mine))
          if (t[k] !== v) this.fail(`totals matching the records (${JSON.stringify(mine)})`, t);
        this.ended = true;
        return { kind: "end", totals: mine };
      }
      default:
        return this.fail(`a record type from 1 to ${RECORD.end}`, type);
    }
  }

  finish(): void {
    this.recordType = 0;
    if (!this.ended)
      throw new CaptureError(
        `${this.path} is truncated: it ends at byte ${this.offset} of the decompressed records without the end record (was the capture interrupted?).`,
      );
  }

  private json(payload: Buffer): Record<string, unknown> {
    let v: unknown;
    try {
      v = JSON.parse(payload.toString("utf8"));
    } catch {
      this.fail("a JSON object");
    }
    if (typeof v !== "object" || v === null || Array.isArray(v)) this.fail("a JSON object", v);
    return v as Record<string, unknown>;
  }
}
