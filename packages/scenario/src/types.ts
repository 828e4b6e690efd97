/** Page content (scenario formats v1 and v2). */
export type ContentSpec =
  | "zero"
  | "unique"
  | { readonly pattern: number; readonly poke?: ReadonlyArray<readonly [number, number]> }
  | { readonly sequence: number; readonly poke?: ReadonlyArray<readonly [number, number]> }
  /** A captured page's 4096 bytes, base64 (simulator extension). */
  | { readonly bytes: string }
  /** A captured page known by its 128-bit hash, 32 hex digits: equal hashes, equal pages (simulator extension). */
  | { readonly hash: string };

/** `[from, to)` page indices inside a region. */
export type Range = readonly [number, number];

export interface FillSpec {
  readonly range?: Range;
  readonly content: ContentSpec;
}

export interface RegionSpec {
  readonly name: string;
  readonly pages: number;
  /** MADV_MERGEABLE over the whole region after it is filled (default true). */
  readonly mergeable?: boolean;
  readonly fill?: readonly FillSpec[];
  /** NUMA node the region's pages are allocated on (simulator extension). */
  readonly node?: number;
  /** v2: MADV_HUGEPAGE before the fill, so each aligned 512 pages are one THP. */
  readonly hugepage?: boolean;
  /** v2: keep VM_HUGEPAGE after the fill (realistic, not exact on the kernel). */
  readonly keepHugepage?: boolean;
}

export interface ProcessSpec {
  readonly name: string;
  /** PR_SET_MEMORY_MERGE before the regions are mapped. */
  readonly mergeAny?: boolean;
  readonly regions: readonly RegionSpec[];
}

/** A step of the scenario; `op` says which. */
export type Step =
  | { readonly op: "scan"; readonly fullScans?: number }
  | { readonly op: "settle"; readonly maxFullScans?: number }
  | { readonly op: "report"; readonly label?: string }
  | {
      readonly op: "write" | "fill";
      readonly process: string;
      readonly region: string;
      readonly range?: Range;
      readonly content: ContentSpec;
    }
  | {
      readonly op: "madvise";
      readonly process: string;
      readonly region: string;
      readonly range?: Range;
      /** v1: mergeable, unmergeable; v2 also dontneed, hugepage, nohugepage. */
      readonly advice: MadviseAdvice;
    }
  | { readonly op: "fork"; readonly process: string; readonly child: string }
  | { readonly op: "exit"; readonly process: string }
  /** Without a range the whole region; a range (v2) leaves a hole. */
  | { readonly op: "munmap"; readonly process: string; readonly region: string; readonly range?: Range }
  /** v2: ksmd runs exactly `count` batches (default 1), fewer when its mm list is empty. */
  | { readonly op: "batches"; readonly count?: number }
  /** v2: MADV_DONTNEED / MADV_HUGEPAGE over the range. */
  | {
      readonly op: "dontneed" | "hugepage";
      readonly process: string;
      readonly region: string;
      readonly range?: Range;
    }
  /** v2: mprotect(2) over the range. */
  | {
      readonly op: "mprotect";
      readonly process: string;
      readonly region: string;
      readonly range?: Range;
      readonly prot: Prot;
    }
  /** v2: a region mapped after the start, at the process's next address slot. */
  | ({ readonly op: "mmap"; readonly process: string; readonly region: string } & Omit<RegionSpec, "name">)
  /** v2: the whole region moves to the process's next address slot. */
  | { readonly op: "mremap"; readonly process: string; readonly region: string }
  | { readonly op: "prctl"; readonly process: string; readonly mergeAny?: boolean }
  | { readonly op: "knob"; readonly name: string; readonly value: number | string | boolean }
  | { readonly op: "verify"; readonly label?: string }
  | {
      readonly op: "swapout" | "read";
      readonly process: string;
      readonly region: string;
      readonly range?: Range;
    }
  | {
      readonly op: "migrate";
      readonly process: string;
      readonly region: string;
      readonly range?: Range;
      readonly node: number;
    }
  | { readonly op: "pressure"; readonly freePages: number }
  | { readonly op: "offline"; readonly node: number }
  | {
      readonly op: "measure";
      readonly pagesSharing: number;
      readonly label?: string;
      readonly sleepMillisecs?: number;
      readonly timeout?: number;
    };

/** madvise(2) advice a step may give. */
export type MadviseAdvice = "mergeable" | "unmergeable" | "dontneed" | "hugepage" | "nohugepage";

/** mprotect(2) protections a v2 step may set. */
export type Prot = "none" | "read" | "readwrite";

/** The simulated machine (simulator extension). */
export interface MachineSpec {
  /** NUMA nodes (default 1). */
  readonly nodes?: number;
  /** Pages of swap space (default 0: no swap). */
  readonly swapPages?: number;
  /** Frames of RAM, for `pressure` (default: the pages the processes start with). */
  readonly memoryPages?: number;
}

/** A scenario, format v1 or v2 (SCENARIO.md). */
export interface Scenario {
  /** 2 when the file is v2 (`"version": 2` or `"batchMode": true`); absent or 1: v1. */
  readonly version?: 1 | 2;
  /** v2: ksmd runs in batches of the scenario's own `pages_to_scan` (default 100). */
  readonly batchMode?: boolean;
  /** v2: the oracle drains the LRU batches before each batch (default true). */
  readonly drainLru?: boolean;
  /** The simulated machine (simulator extension). */
  readonly machine?: MachineSpec;
  readonly name?: string;
  /** Kernel era to simulate (simulator extension; the CLI's --profile wins). */
  readonly profile?: string;
  /** Policy variant per axis (simulator extension; the CLI's --policy wins). */
  readonly policies?: Readonly<Record<string, string>>;
  /** Plugins to load, paths relative to the scenario file or package names (simulator extension; --plugin adds more). */
  readonly plugins?: readonly string[];
  readonly knobs: Readonly<Record<string, number | string | boolean>>;
  readonly processes: readonly ProcessSpec[];
  readonly steps: readonly Step[];
}
