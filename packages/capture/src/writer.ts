import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync, writev } from "node:fs";
import { basename, dirname, join } from "node:path";
import { promisify } from "node:util";
import { constants, crc32, gzip } from "node:zlib";
import {
  CaptureError,
  type CaptureHeader,
  type CaptureTotals,
  FORMAT_VERSION,
  FRAME,
  FRAME_HEADER_BYTES,
  MAGIC,
  MAX_RUN_PAGES,
  PREAMBLE_BYTES,
  type ProcessInfo,
  RECORD,
  RECORD_HEADER_BYTES,
  type SnapshotInfo,
  type VmaInfo,
} from "./format.js";
import { looksIncompressible } from "./incompressible.js";

/** Records are gathered up to this size, then written as one frame. */
const CHUNK_BYTES = 1 << 20;
/** Frames compressed or written at once in the thread pool before {@link CaptureWriter.ready} waits. */
const MAX_IN_FLIGHT = 4;
const gzipChunk = promisify(gzip);
const writevAt = promisify(writev);

/**
 * Writes a capture file (format version {@link FORMAT_VERSION}) as a stream: records go
 * through 1 MiB buffers into frames, each a gzip member compressed in zlib's thread pool
 * while the capture reads on, or, when its bytes look random (page contents gzip cannot
 * shrink, {@link looksIncompressible}), stored with its CRC-32. Each frame is written at its
 * own offset by the thread pool as soon as it and the sizes of the frames before it are
 * known, so no frame waits for another's write (at most 4 frames in flight: await
 * {@link ready} between reads). The file is a temporary one next to `path`, which
 * {@link close} renames into place; {@link abort} removes it. Nothing of a capture that
 * failed is ever left at `path`.
 */
export class CaptureWriter {
  private readonly fd: number;
  private readonly temp: string;
  private buf: Buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  /** Chunk buffers whose frame is done with them, for the next chunks (no fresh memory to fault in). */
  private readonly spare: Buffer[] = [];
  private used = 0;
  private open = true;
  /** Each flushed chunk's compression and write, oldest first. */
  private readonly queue: Promise<void>[] = [];
  /** The file offset after the last frame flushed, once its size is known. */
  private end: Promise<number> = Promise.resolve(PREAMBLE_BYTES);
  private readonly totals = { snapshots: 0, processes: 0, vmas: 0, pages: 0, contents: 0 };

  constructor(
    readonly path: string,
    readonly header: CaptureHeader,
  ) {
    this.temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
    try {
      this.fd = openSync(this.temp, "w", 0o600);
    } catch (e) {
      throw new CaptureError(
        `--out ${path}: cannot create a file in ${dirname(path)} (${(e as NodeJS.ErrnoException).code}); nothing was captured.`,
      );
    }
    const pre = Buffer.alloc(16);
    pre.write(MAGIC, 0, "latin1");
    pre.writeUInt32LE(FORMAT_VERSION, 8);
    writeSync(this.fd, pre);
    this.json(RECORD.header, header);
  }

  /** Starts a snapshot; the processes written next belong to it. */
  snapshot(info: SnapshotInfo): void {
    this.totals.snapshots++;
    this.json(RECORD.snapshot, info);
  }

  /** Starts a process of the current snapshot. */
  process(info: ProcessInfo): void {
    this.totals.processes++;
    this.json(RECORD.process, info);
  }

  /** Starts a VMA of the current process; its pages records follow. */
  vma(info: VmaInfo): void {
    this.totals.vmas++;
    this.json(RECORD.vma, info);
  }

  /** `full` contents: a new distinct page; returns its id (1, 2, …; 0 is the zero page). */
  content(bytes: Uint8Array): number {
    const id = ++this.totals.contents;
    const b = this.reserve(RECORD.content, 4 + bytes.length);
    b.writeUInt32LE(id, this.used);
    b.set(bytes, this.used + 4);
    this.used += 4 + bytes.length;
    return id;
  }

  /**
   * Pages `first`… of the current VMA: one content id a page (`full`) or four hash words
   * a page (`hash`), at most {@link MAX_RUN_PAGES} pages.
   */
  pages(first: number, entries: Uint32Array, wordsPerPage: 1 | 4): void {
    const count = entries.length / wordsPerPage;
    if (count > MAX_RUN_PAGES || count < 1)
      throw new RangeError(`a pages record holds 1 to ${MAX_RUN_PAGES}`);
    this.totals.pages += count;
    const b = this.reserve(RECORD.pages, 8 + entries.length * 4);
    b.writeUInt32LE(first, this.used);
    b.writeUInt32LE(count, this.used + 4);
    let o = this.used + 8;
    for (let i = 0; i < entries.length; i++, o += 4) b.writeUInt32LE(entries[i]!, o);
    this.used = o;
  }

  /** Resolves once at most 4 chunks are waiting for compression (call it between reads). */
  async ready(): Promise<void> {
    while (this.queue.length > MAX_IN_FLIGHT) await this.queue.shift();
  }

  /** Writes the end record, flushes, syncs and renames the file into place; resolves to the totals. */
  async close(): Promise<CaptureTotals> {
    const totals = { ...this.totals };
    this.json(RECORD.end, totals);
    this.flush();
    await Promise.all(this.queue.splice(0));
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.open = false;
    renameSync(this.temp, this.path);
    return totals;
  }

  /** Drops the capture: closes and removes the temporary file (safe to call twice). */
  abort(): void {
    if (!this.open) return;
    this.open = false;
    rmSync(this.temp, { force: true });
    // writes may still be in the thread pool: close the descriptor after them, not under them
    const fd = this.fd;
    void Promise.allSettled(this.queue.splice(0)).then(() => closeSync(fd));
  }

  private json(type: number, value: unknown): void {
    const text = Buffer.from(JSON.stringify(value), "utf8");
    const b = this.reserve(type, text.length);
    b.set(text, this.used);
    this.used += text.length;
  }

  /** Room for a record of `length` payload bytes; writes its header and returns the buffer. */
  private reserve(type: number, length: number): Buffer {
    if (!this.open) throw new Error("capture writer is closed");
    const need = RECORD_HEADER_BYTES + length;
    if (this.used + need > this.buf.length) {
      this.flush();
      if (need > this.buf.length) this.buf = Buffer.allocUnsafe(need);
    }
    this.buf.writeUInt8(type, this.used);
    this.buf.writeUInt32LE(length, this.used + 1);
    this.used += RECORD_HEADER_BYTES;
    return this.buf;
  }

  private flush(): void {
    if (this.used === 0) return;
    const whole = this.buf;
    const chunk = whole.subarray(0, this.used);
    this.buf = this.spare.pop() ?? Buffer.allocUnsafe(CHUNK_BYTES); // the old one is the frame's now
    this.used = 0;
    // a chunk buffer goes back to the spares once its frame no longer needs it (an outsized
    // one, made for one large record, does not)
    const release = () => {
      if (whole.length === CHUNK_BYTES) this.spare.push(whole);
    };
    const stored = looksIncompressible(chunk);
    const frame = stored
      ? Promise.resolve(frameOf(FRAME.stored, chunk, crc32(chunk)))
      : gzipChunk(chunk, { level: constants.Z_BEST_SPEED }).then((out) => {
          release();
          return frameOf(FRAME.gzip, out, 0);
        });
    const at = this.end;
    this.end = Promise.all([at, frame]).then(
      ([offset, [, body]]) => offset + FRAME_HEADER_BYTES + body.length,
    );
    this.end.catch(() => {}); // a failed compression fails this frame's write (awaited), not the process
    const done = Promise.all([at, frame]).then(async ([offset, parts]) => {
      if (!this.open) return; // aborted meanwhile
      const { bytesWritten } = await writevAt(this.fd, parts, offset);
      if (bytesWritten !== FRAME_HEADER_BYTES + parts[1].length)
        throw new CaptureError(`--out ${this.path}: short write (${bytesWritten} bytes) at offset ${offset}`);
      if (stored) release();
    });
    done.catch(() => {}); // awaited by ready() or close(); an aborted capture drops it
    this.queue.push(done);
  }
}

/** A frame's header and body. */
function frameOf(kind: number, body: Buffer, crc: number): [Buffer, Buffer] {
  const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  header.writeUInt8(kind, 0);
  header.writeUInt32LE(body.length, 1);
  header.writeUInt32LE(crc, 5);
  return [header, body];
}
