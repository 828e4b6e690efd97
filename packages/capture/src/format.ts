import type { SmapsVma } from "./vma-rules.js";

/** First 8 bytes of every capture file. */
export const MAGIC = "KSMCAPT\n";
/**
 * The format version this package writes and the newest it reads: 2, the records in frames
 * each gzip-compressed or stored (README "File format"); it reads version 1 (one stream of
 * gzip members) too.
 */
export const FORMAT_VERSION = 2;
/** Bytes before the records: magic, version (u32 LE), reserved (u32 LE, 0). */
export const PREAMBLE_BYTES = 16;
/** Version 2 frame kinds: how a frame's body holds its records. */
export const FRAME = {
  /** One gzip member (RFC 1952), whose CRC-32 covers the records. */
  gzip: 1,
  /** The records as they are (incompressible ones: page contents that look random). */
  stored: 2,
} as const;
/** Bytes of a version 2 frame's header: kind (u8), body length (u32 LE), CRC-32 (u32 LE; stored frames). */
export const FRAME_HEADER_BYTES = 9;
/** A frame longer than this, before or after decompression, is corrupt (a writer's are about 1 MiB). */
export const MAX_FRAME_BYTES = 4 << 20;
/** Bytes of a record's header: type (u8) and payload length (u32 LE). */
export const RECORD_HEADER_BYTES = 5;
/** The page size captures are taken with (x86-64, arm64 with 4 KiB pages). */
export const CAPTURE_PAGE_SIZE = 4096;
/** Most entries one pages record carries, which bounds what a reader holds at once. */
export const MAX_RUN_PAGES = 4096;

/** Record types, in the order a file may hold them (see README "File format"). */
export const RECORD = {
  header: 1,
  snapshot: 2,
  process: 3,
  vma: 4,
  content: 5,
  pages: 6,
  end: 7,
} as const;

/** How page contents are kept: every distinct page once (`full`), or a 128-bit hash a page (`hash`). */
export type ContentsMode = "full" | "hash";

/** The first record: what the file holds and where it was taken. */
export interface CaptureHeader {
  readonly contents: ContentsMode;
  readonly pageSize: number;
  /** `uname -r` of the captured machine. */
  readonly kernel: string;
  readonly hostname: string;
  /** ISO 8601 time the capture started. */
  readonly created: string;
}

/** One snapshot of the processes (a trace has several, in time order). */
export interface SnapshotInfo {
  /** 0, 1, … in file order. */
  readonly index: number;
  /** A name for `--at` (`snapshot-0`, …). */
  readonly label: string;
  /** When the snapshot started, ms since the Unix epoch. */
  readonly time: number;
}

/** A captured process. */
export interface ProcessInfo {
  readonly pid: number;
  /** `/proc/PID/comm`. */
  readonly comm: string;
  readonly cmdline: readonly string[];
  /** `ksm_merge_any` of `/proc/PID/ksm_stat` (PR_SET_MEMORY_MERGE); null when the kernel has no such file. */
  readonly mergeAny: boolean | null;
}

/** Page counts of a VMA from its pagemap, by what KSM can make of them. */
export interface VmaPageCounts {
  /** Present anonymous pages: the ones KSM scans (each is in a pages record when the VMA is mergeable). */
  readonly anon: number;
  /** Present pages of the file (page cache), never scanned by KSM. */
  readonly file: number;
  /** Present, mapping the shared zero page (never scanned by KSM). */
  readonly zeroPfn: number;
  /** Swapped out: not scanned until faulted back in. */
  readonly swapped: number;
}

/** A VMA, as `/proc/PID/smaps` describes it, and whether KSM may merge its pages. */
export interface VmaInfo extends Omit<SmapsVma, "start" | "end"> {
  /** First and one-past-last virtual page number. */
  readonly start: number;
  readonly end: number;
  /**
   * Null when `vma_ksm_compatible` holds as far as /proc shows; else the flags that make the
   * VMA unfit for KSM, `|`-joined in the kernel's names (`VM_SHARED|VM_MAYSHARE`).
   */
  readonly unmergeable: string | null;
  readonly pages: VmaPageCounts;
}

/**
 * Consecutive captured pages of the current VMA: page `first` (index from the VMA's start)
 * and the `count` after it. With `full` contents each page is a content id (0: the zero
 * page), with `hash` four 32-bit words of its hash (all zero: the zero page).
 */
export interface PageRun {
  readonly first: number;
  readonly count: number;
  /** `full`: one content id a page. */
  readonly ids?: Uint32Array;
  /** `hash`: four words a page. */
  readonly hashes?: Uint32Array;
}

/** The last record: totals a reader checks the file against. */
export interface CaptureTotals {
  readonly snapshots: number;
  readonly processes: number;
  readonly vmas: number;
  readonly pages: number;
  readonly contents: number;
}

/** What a reader hands out, one per record. */
export type CaptureEvent =
  | { readonly kind: "header"; readonly header: CaptureHeader }
  | { readonly kind: "snapshot"; readonly snapshot: SnapshotInfo }
  | { readonly kind: "process"; readonly process: ProcessInfo }
  | { readonly kind: "vma"; readonly vma: VmaInfo }
  | { readonly kind: "content"; readonly id: number; readonly bytes: Uint8Array }
  | { readonly kind: "pages"; readonly run: PageRun }
  | { readonly kind: "end"; readonly totals: CaptureTotals };

/**
 * A capture that cannot be taken or read: one paragraph saying where (the file and byte
 * offset, the process, the flag) and what was expected.
 */
export class CaptureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CaptureError";
  }
}
