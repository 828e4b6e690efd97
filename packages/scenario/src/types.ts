/** Page content of scenario format v1. */
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
      readonly advice: "mergeable" | "unmergeable";
    }
  | { readonly op: "fork"; readonly process: string; readonly child: string }
  | { readonly op: "exit"; readonly process: string }
  | { readonly op: "munmap"; readonly process: string; readonly region: string }
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

/** The simulated machine (simulator extension). */
export interface MachineSpec {
  /** NUMA nodes (default 1). */
  readonly nodes?: number;
  /** Pages of swap space (default 0: no swap). */
  readonly swapPages?: number;
  /** Frames of RAM, for `pressure` (default: the pages the processes start with). */
  readonly memoryPages?: number;
}

/** A scenario, format v1. */
export interface Scenario {
  /** The simulated machine (simulator extension). */
  readonly machine?: MachineSpec;
  readonly name?: string;
  /** Kernel era to simulate (simulator extension; the CLI's --profile wins). */
  readonly profile?: string;
  /** Policy variant per axis (simulator extension; the CLI's --policy wins). */
  readonly policies?: Readonly<Record<string, string>>;
  readonly knobs: Readonly<Record<string, number | string | boolean>>;
  readonly processes: readonly ProcessSpec[];
  readonly steps: readonly Step[];
}
