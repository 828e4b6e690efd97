import { closeSync, openSync, readFileSync, readSync } from "node:fs";
import { hostname, release } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import {
  CAPTURE_PAGE_SIZE,
  CaptureError,
  type CaptureTotals,
  type ContentsMode,
  MAX_RUN_PAGES,
  type ProcessInfo,
  type VmaInfo,
} from "./format.js";
import { createPageHasher, HashIds, type PageHasher } from "./page-hash.js";
import { ksmIncompatibility, parseSmaps, type SmapsVma } from "./vma-rules.js";
import { CaptureWriter } from "./writer.js";

/** What to capture. */
export interface CaptureOptions {
  readonly pids: readonly number[];
  /** The file to write (atomically: a temporary file renamed at the end). */
  readonly out: string;
  /** `hash` (default): a 128-bit hash a page; `full`: every distinct page once. */
  readonly contents?: ContentsMode;
  /** Snapshots to take (default 1); more make a trace. */
  readonly count?: number;
  /** Between the starts of consecutive snapshots, ms (default 1000). */
  readonly intervalMs?: number;
}

/** What a capture wrote. */
export interface CaptureSummary extends CaptureTotals {
  /** Bytes of memory read from the processes (captured anonymous pages). */
  readonly bytesRead: number;
  /** Wall-clock time spent reading and writing, excluding the waits between snapshots, s. */
  readonly seconds: number;
}

// /proc/PID/pagemap entry bits (Documentation/admin-guide/mm/pagemap.rst), in the high word
const PM_PRESENT = 0x8000_0000;
const PM_SWAP = 0x4000_0000;
const PM_FILE = 0x2000_0000;
const PM_MMAP_EXCLUSIVE = 0x0100_0000;
/** /proc/kpageflags bit of the shared zero page. */
const KPF_ZERO_PAGE = 24;
/** Pages of pagemap read at once, and of memory read at once. */
const PAGEMAP_CHUNK = 32768;
const MEM_CHUNK = 256;

/**
 * Captures processes into a capture file: for every snapshot, every process's VMAs (from
 * /proc/PID/smaps) with whether `vma_ksm_compatible` holds, and for every present
 * anonymous page of a compatible VMA its content (`full`) or hash (`hash`), read through
 * /proc/PID/pagemap and /proc/PID/mem. The targets are only read, never stopped or
 * written. Memory use: the ids of the distinct pages (`full`) plus one VMA's entries
 * (4 bytes a page, 16 for `hash`). Throws {@link CaptureError} (leaving no file) when a
 * process cannot be read or exits during the capture.
 */
export async function captureProcesses(opts: CaptureOptions): Promise<CaptureSummary> {
  const mode = opts.contents ?? "hash";
  const count = opts.count ?? 1;
  const intervalMs = opts.intervalMs ?? 1000;
  for (const pid of opts.pids)
    if (!alive(pid))
      throw new CaptureError(`--pid ${pid}: no such running process with user memory; nothing was captured.`);
  const hasher = await createPageHasher();
  const writer = new CaptureWriter(opts.out, {
    contents: mode,
    pageSize: CAPTURE_PAGE_SIZE,
    kernel: release(),
    hostname: hostname(),
    created: new Date().toISOString(),
  });
  const reader = new ProcessReader(writer, mode, hasher);
  let busy = 0;
  try {
    for (let s = 0; s < count; s++) {
      const t0 = Date.now();
      writer.snapshot({ index: s, label: `snapshot-${s}`, time: t0 });
      const w0 = performance.now();
      for (const pid of opts.pids) await reader.capture(pid, s);
      busy += performance.now() - w0;
      if (s + 1 < count) await sleep(Math.max(0, t0 + intervalMs - Date.now()));
    }
    const w0 = performance.now();
    const totals = await writer.close();
    busy += performance.now() - w0;
    return { ...totals, bytesRead: reader.bytesRead, seconds: busy / 1000 };
  } finally {
    writer.abort();
    reader.close();
  }
}

/** Reads one process at a time into the writer. */
class ProcessReader {
  bytesRead = 0;
  private readonly ids = new HashIds();
  private readonly hash = new Uint32Array(4);
  private readonly mem = Buffer.alloc(MEM_CHUNK * CAPTURE_PAGE_SIZE);
  private readonly pagemap = Buffer.alloc(PAGEMAP_CHUNK * 8);
  private readonly zero = Buffer.alloc(CAPTURE_PAGE_SIZE);
  private readonly kpf = Buffer.alloc(8);
  private kpageflags: number | null | undefined;
  private readonly zeroPfns = new Set<number>();
  /** The current VMA's entries and runs. */
  private entries = new Uint32Array(4096);
  private used = 0;
  private runs: number[] = [];

  constructor(
    private readonly writer: CaptureWriter,
    private readonly mode: ContentsMode,
    private readonly hasher: PageHasher,
  ) {}

  async capture(pid: number, snapshot: number): Promise<void> {
    const gone = () =>
      new CaptureError(
        `process ${pid} exited during the capture (snapshot ${snapshot}); nothing was written to ${this.writer.path}.`,
      );
    let smaps: SmapsVma[];
    let info: ProcessInfo;
    try {
      smaps = parseSmaps(readFileSync(`/proc/${pid}/smaps`, "utf8"));
      info = processInfo(pid);
    } catch (e) {
      if (!alive(pid)) throw gone();
      const code = (e as NodeJS.ErrnoException).code;
      throw new CaptureError(
        `cannot read /proc/${pid}/smaps (${code ?? (e as Error).message}): capturing another process's memory needs root (or CAP_SYS_PTRACE) on Linux.`,
      );
    }
    this.writer.process(info);
    let pm: number;
    let mem: number;
    try {
      pm = openSync(`/proc/${pid}/pagemap`, "r");
      mem = openSync(`/proc/${pid}/mem`, "r");
    } catch (e) {
      if (!alive(pid)) throw gone();
      throw new CaptureError(
        `cannot open /proc/${pid}/mem: ${(e as NodeJS.ErrnoException).code}; run as root.`,
      );
    }
    try {
      for (const v of smaps) {
        if (v.path === "[vsyscall]") continue; // the gate area: not in the mm's VMA tree
        await this.vma(v, pm, mem);
      }
    } catch (e) {
      if (!alive(pid)) throw gone();
      throw e;
    } finally {
      closeSync(pm);
      closeSync(mem);
    }
    // an exit while we read leaves a partial picture: refuse it
    if (!alive(pid)) throw gone();
  }

  close(): void {
    if (typeof this.kpageflags === "number") closeSync(this.kpageflags);
    this.kpageflags = null;
  }

  private async vma(v: SmapsVma, pm: number, mem: number): Promise<void> {
    const start = v.start / CAPTURE_PAGE_SIZE;
    const end = v.end / CAPTURE_PAGE_SIZE;
    const unmergeable = ksmIncompatibility(v.vmFlags);
    const words = this.mode === "full" ? 1 : 4;
    const counts = { anon: 0, file: 0, zeroPfn: 0, swapped: 0 };
    this.used = 0;
    this.runs = [];
    let runStart = -1;
    const closeRun = (next: number) => {
      if (runStart >= 0) this.runs.push(runStart, next - runStart);
      runStart = -1;
    };
    for (let base = start; base < end; base += PAGEMAP_CHUNK) {
      const n = Math.min(PAGEMAP_CHUNK, end - base);
      const got = readSync(pm, this.pagemap, 0, n * 8, base * 8);
      if (got !== n * 8)
        throw new CaptureError(`short read of the pagemap at page ${base} (got ${got} bytes)`);
      for (let i = 0; i < n; ) {
        const hi = this.pagemap.readUInt32LE(i * 8 + 4);
        if (!(hi & PM_PRESENT) || hi & PM_FILE || unmergeable !== null) {
          if (hi & PM_SWAP) counts.swapped++;
          else if (hi & PM_PRESENT && hi & PM_FILE) counts.file++;
          else if (hi & PM_PRESENT) counts.anon++;
          closeRun(base + i - start);
          i++;
          continue;
        }
        // a run of present anonymous pages of a mergeable VMA: read it
        let j = i + 1;
        while (j < n && j - i < MEM_CHUNK) {
          const h = this.pagemap.readUInt32LE(j * 8 + 4);
          if (!(h & PM_PRESENT) || h & PM_FILE) break;
          j++;
        }
        const bytes = (j - i) * CAPTURE_PAGE_SIZE;
        const read = readMem(mem, this.mem, bytes, (base + i) * CAPTURE_PAGE_SIZE);
        const pages = Math.floor(read / CAPTURE_PAGE_SIZE);
        this.bytesRead += pages * CAPTURE_PAGE_SIZE;
        for (let k = 0; k < pages; k++) {
          const page = this.mem.subarray(k * CAPTURE_PAGE_SIZE, (k + 1) * CAPTURE_PAGE_SIZE);
          const o = (i + k) * 8;
          if (this.isSharedZeroPage(page, this.pagemap.readUInt32LE(o + 4), this.pagemap.readUInt32LE(o))) {
            counts.zeroPfn++;
            closeRun(base + i + k - start);
            continue;
          }
          counts.anon++;
          if (runStart < 0) runStart = base + i + k - start;
          this.entry(page, words);
          if (base + i + k - start + 1 - runStart === MAX_RUN_PAGES) closeRun(base + i + k - start + 1);
        }
        if (pages < j - i) closeRun(base + i + pages - start); // unmapped while we read: gone
        i = j;
        await this.writer.ready(); // let compression catch up
      }
    }
    closeRun(end - start);
    const info: VmaInfo = {
      start,
      end,
      perms: v.perms,
      offset: v.offset,
      dev: v.dev,
      inode: v.inode,
      path: v.path,
      vmFlags: v.vmFlags,
      unmergeable,
      pages: counts,
    };
    this.writer.vma(info);
    let at = 0;
    for (let r = 0; r < this.runs.length; r += 2) {
      const n = this.runs[r + 1]!;
      this.writer.pages(this.runs[r]!, this.entries.subarray(at, at + n * words), words);
      at += n * words;
      await this.writer.ready();
    }
  }

  /** Appends the page's entry: its content id (`full`, writing new contents) or its hash. */
  private entry(page: Buffer, words: 1 | 4): void {
    if (this.used + words > this.entries.length) {
      const e = new Uint32Array(this.entries.length * 2);
      e.set(this.entries);
      this.entries = e;
    }
    const zero = page.equals(this.zero);
    if (words === 4) {
      if (zero) this.entries.fill(0, this.used, this.used + 4);
      else this.hasher(page, this.entries, this.used);
      this.used += 4;
      return;
    }
    let id = 0;
    if (!zero) {
      this.hasher(page, this.hash, 0);
      id = this.ids.get(this.hash, 0);
      if (id === 0) {
        id = this.writer.content(page);
        this.ids.set(this.hash, 0, id);
      }
    }
    this.entries[this.used++] = id;
  }

  /**
   * Whether a present page maps the shared zero page (which KSM never scans): all zero, not
   * exclusively mapped, and /proc/kpageflags says so (when readable).
   */
  private isSharedZeroPage(page: Buffer, hi: number, lo: number): boolean {
    if (hi & PM_MMAP_EXCLUSIVE || !page.equals(this.zero)) return false;
    const pfn = (hi & 0x7f_ffff) * 2 ** 32 + lo;
    if (this.zeroPfns.has(pfn)) return true;
    if (this.kpageflags === undefined) {
      try {
        this.kpageflags = openSync("/proc/kpageflags", "r");
      } catch {
        this.kpageflags = null;
      }
    }
    if (this.kpageflags === null || pfn === 0) return false;
    if (readSync(this.kpageflags, this.kpf, 0, 8, pfn * 8) !== 8) return false;
    if (!((this.kpf.readUInt32LE(0) >>> KPF_ZERO_PAGE) & 1)) return false;
    this.zeroPfns.add(pfn);
    return true;
  }
}

/** Reads up to `bytes` of memory at `address`; fewer when the range was unmapped meanwhile. */
function readMem(fd: number, buf: Buffer, bytes: number, address: number): number {
  let done = 0;
  while (done < bytes) {
    let n: number;
    try {
      n = readSync(fd, buf, done, bytes - done, address + done);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EIO") return done;
      throw e;
    }
    if (n === 0) return done;
    done += n;
  }
  return done;
}

/**
 * Whether the process exists and still has its memory: not a zombie, and not on its way
 * out (an exiting process drops its mm before it turns zombie: its maps read empty).
 */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X" && readFileSync(`/proc/${pid}/maps`).length > 0;
  } catch {
    return false;
  }
}

function processInfo(pid: number): ProcessInfo {
  const comm = readFileSync(`/proc/${pid}/comm`, "utf8").trimEnd();
  const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
  if (cmdline.at(-1) === "") cmdline.pop();
  let mergeAny: boolean | null = null;
  try {
    const m = /ksm_merge_any:\s*(\w+)/.exec(readFileSync(`/proc/${pid}/ksm_stat`, "utf8"));
    if (m) mergeAny = m[1] === "yes";
  } catch {
    // kernels before 6.1 have no ksm_stat
  }
  return { pid, comm, cmdline, mergeAny };
}
