import type { ChildProcess } from "node:child_process";
import { CaptureError, type ContentsMode, captureProcesses, launchMergeable } from "@ksm/capture";
import type { CliIo } from "./run-cli.js";
import { UsageError } from "./usage-error.js";

/** The options of `ksm-sim capture`, parsed. */
interface CaptureArgs {
  pids: number[];
  out: string;
  contents: ContentsMode;
  launch: string[] | undefined;
  afterSeconds: number;
  intervalSeconds: number;
  count: number;
}

const USAGE =
  "ksm-sim capture (--pid PID... | --launch -- CMD ARG...) --out FILE [--contents full|hash] [--after S] [--interval S --count N]";

/** `ksm-sim capture`: Linux and root only; returns the exit code. */
export async function captureCommand(args: string[], io: CliIo): Promise<number> {
  const a = parseCaptureArgs(args);
  if (process.platform !== "linux")
    throw new UsageError(
      `"capture" reads /proc/PID/mem and pagemap: it runs on Linux only (this is ${process.platform})`,
    );
  if (process.getuid?.() !== 0)
    throw new UsageError(
      `"capture" needs root: reading another process's /proc/PID/mem and the PFNs in its pagemap is only allowed to root (run it with sudo)`,
    );
  let child: ChildProcess | undefined;
  try {
    if (a.launch) {
      child = await launchMergeable(a.launch[0]!, a.launch.slice(1));
      await new Promise((r) => setTimeout(r, a.afterSeconds * 1000));
      if (child.exitCode !== null || child.signalCode !== null)
        throw new CaptureError(
          `--launch ${a.launch[0]}: the process exited before --after ${a.afterSeconds} s were up; nothing was captured`,
        );
      a.pids.push(child.pid!);
    }
    const s = await captureProcesses({
      pids: a.pids,
      out: a.out,
      contents: a.contents,
      count: a.count,
      intervalMs: a.intervalSeconds * 1000,
    });
    const mib = s.bytesRead / 2 ** 20;
    io.out(
      `captured ${s.pages} pages of ${a.pids.length} process${a.pids.length === 1 ? "" : "es"} ` +
        `(${s.snapshots} snapshot${s.snapshots === 1 ? "" : "s"}, ${mib.toFixed(1)} MiB read, ` +
        `${a.contents === "full" ? `${s.contents} distinct pages, ` : ""}${s.seconds.toFixed(2)} s, ` +
        `${(mib / Math.max(s.seconds, 1e-9)).toFixed(0)} MiB/s) into ${a.out}\n`,
    );
    return 0;
  } catch (e) {
    if (e instanceof CaptureError) throw new UsageError(e.message);
    throw e;
  } finally {
    child?.kill();
  }
}

function parseCaptureArgs(args: string[]): CaptureArgs {
  const a: CaptureArgs = {
    pids: [],
    out: "",
    contents: "hash",
    launch: undefined,
    afterSeconds: 1,
    intervalSeconds: 1,
    count: 1,
  };
  const seen = new Set<string>();
  for (let i = 0; i < args.length; i++) {
    const flag = args[i]!;
    if (flag === "--launch") {
      if (args[i + 1] !== "--" || args.length < i + 3)
        throw new UsageError(`--launch takes "-- CMD ARG...", the command last: ${USAGE}`);
      a.launch = args.slice(i + 2);
      break;
    }
    const value = () => {
      const v = args[++i];
      if (v === undefined || v.startsWith("--")) throw new UsageError(`${flag} needs a value: ${USAGE}`);
      return v;
    };
    const num = (v: string, min: number, integer: boolean) => {
      const n = Number(v);
      if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n)))
        throw new UsageError(`${flag} takes ${integer ? "an integer" : "a number"} >= ${min}; got "${v}"`);
      return n;
    };
    if (flag !== "--pid" && seen.has(flag)) throw new UsageError(`${flag} given twice`);
    seen.add(flag);
    switch (flag) {
      case "--pid":
        a.pids.push(num(value(), 1, true));
        break;
      case "--out":
        a.out = value();
        break;
      case "--contents": {
        const v = value();
        if (v !== "full" && v !== "hash")
          throw new UsageError(`--contents takes "full" or "hash"; got "${v}"`);
        a.contents = v;
        break;
      }
      case "--after":
        a.afterSeconds = num(value(), 0, false);
        break;
      case "--interval":
        a.intervalSeconds = num(value(), 0, false);
        break;
      case "--count":
        a.count = num(value(), 1, true);
        break;
      default:
        throw new UsageError(`unknown flag "${flag}" for "capture"; usage: ${USAGE}`);
    }
  }
  if (!a.out) throw new UsageError(`"capture" needs --out FILE: ${USAGE}`);
  if (a.pids.length === 0 && !a.launch)
    throw new UsageError(`"capture" needs --pid PID or --launch: ${USAGE}`);
  if (seen.has("--after") && !a.launch)
    throw new UsageError("--after goes with --launch (the wait before capturing)");
  if (seen.has("--interval") && !seen.has("--count"))
    throw new UsageError("--interval goes with --count N (N snapshots S seconds apart)");
  return a;
}
