import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { ScaleRun } from "./scale.js";

/** One size of the growth table. */
export interface GrowthRow {
  readonly pages: number;
  readonly seconds: number;
  /** CPU time of the run's process, seconds. */
  readonly cpuSeconds: number;
  readonly maxRssMiB: number;
  readonly metadataBytesPerPage: number | null;
  readonly pagesPerSecond: number;
  readonly matchesExpectation: boolean;
  /** CPU seconds other processes took during the run. */
  readonly otherCpuSeconds: number;
}

/** `--max-old-space-size` of each size's process, MiB. */
export const GROWTH_HEAP_MIB = 6144;

/** The largest exponent `growth` takes: 2^30 pages, 4 TiB simulated (about 64 GiB of model). */
export const MAX_GROWTH_EXPONENT = 30;

/**
 * The growth table: the scale workload (16 guests) from 2^`from` to 2^`to` pages, each size
 * in a fresh Node process (`cli.js scale --no-kernel --json`) so that peak RSS is its own.
 * The process may take a JS heap of {@link GROWTH_HEAP_MIB} (the model's per-page state is
 * in typed arrays, outside it; at 2^26 pages its objects still take hundreds of MiB).
 */
export function runGrowth(opts: {
  from: number;
  to: number;
  guests: number;
  /** Longest wait for an idle machine before each size, seconds. */
  quietWaitSeconds: number;
  log: (l: string) => void;
}): GrowthRow[] {
  const cli = fileURLToPath(new URL("./cli.js", import.meta.url));
  if (opts.from > opts.to) throw new RangeError(`--from ${opts.from} is above --to ${opts.to}`);
  for (let e = opts.from; e <= opts.to; e++) {
    const perGuest = 2 ** e / opts.guests;
    if (!Number.isInteger(perGuest) || perGuest % 8)
      throw new RangeError(
        `--guests ${opts.guests} does not split 2^${e} pages into guests of a whole multiple of 8 pages`,
      );
  }
  const rows: GrowthRow[] = [];
  for (let e = opts.from; e <= opts.to; e++) {
    const pages = 2 ** e;
    const perGuest = pages / opts.guests;
    opts.log(`bench: growth 2^${e} = ${pages} pages (${opts.guests} x ${perGuest})…`);
    const args = [
      "scale",
      "--guests",
      String(opts.guests),
      "--pages",
      String(perGuest),
      "--no-kernel",
      "--json",
    ];
    const out = execFileSync(
      process.execPath,
      [
        `--max-old-space-size=${GROWTH_HEAP_MIB}`,
        cli,
        ...args,
        "--quiet-wait",
        String(opts.quietWaitSeconds),
      ],
      {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "inherit"],
        maxBuffer: 1 << 24,
      },
    );
    const run = JSON.parse(out.trim().split("\n").pop()!) as { simulator: ScaleRun };
    const s = run.simulator;
    rows.push({
      pages,
      seconds: s.seconds,
      cpuSeconds: s.cpuSeconds,
      maxRssMiB: s.maxRssBytes / 2 ** 20,
      metadataBytesPerPage: s.metadataBytesPerPage,
      pagesPerSecond: s.pagesPerSecond,
      matchesExpectation: s.matchesExpectation,
      otherCpuSeconds: s.otherCpuSeconds,
    });
  }
  return rows;
}
