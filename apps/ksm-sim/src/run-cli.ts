import { dirname, resolve } from "node:path";
import { describeParam } from "@ksm/contracts";
import {
  BUILTIN_PLUGINS,
  buildSimulation,
  ignoredKnobsNote,
  listPolicies,
  loadPlugin,
  loadPlugins,
  PolicyError,
  packageVersion,
  type SimRecord,
  StepError,
  simulate,
  timeline,
  timelineKnobs,
  toJsonLine,
  validateKnob,
} from "@ksm/sim";
import { captureCommand } from "./capture-cli.js";
import { explainCommand } from "./explain-cli.js";
import { formatRecord, formatTimeline } from "./table.js";
import { UsageError } from "./usage-error.js";
import { prepareWorkload, readWorkload } from "./workload.js";

/** Where the scenario format is specified, for readers without the repository. */
const SCENARIO_SPEC = "https://github.com/ksm-sim/ksm-sim/tree/main/packages/scenario#readme";

const HELP = `ksm-sim: simulate Linux 6.18 KSM (kernel samepage merging)

Usage:
  ksm-sim run FILE [--jsonl] [--profile NAME] [--policy AXIS=NAME[:k=v,...]]... [--plugin SPEC]...
                [--pages-to-scan N] [--sleep-millisecs N]
                                run a scenario (format v1 or v2) or a capture and print its reports
  ksm-sim capture (--pid PID... | --launch -- CMD ARG...) --out FILE [--contents full|hash]
                [--after S] [--interval S --count N]
                                capture running processes' memory (Linux, root)
  ksm-sim explain FILE [--process P] [--at LABEL] [--json]
                                why each page is or is not merged at a report
  ksm-sim policies [--json] [--plugin SPEC]...
                                list kernel profiles and policy variants (with parameters;
                                --json: one object, each parameter's type, default and range)
  ksm-sim --help                this text
  ksm-sim --version             the version

run:
  FILE                a scenario JSON file, or - to read it from standard input. The
                      format (v1, v2 and the simulator's extensions) is specified in
                      packages/scenario/README.md (${SCENARIO_SPEC}). Or a capture
                      (ksm-sim capture): its processes with PR_SET_MEMORY_MERGE, settled
                      (a trace: each snapshot's writes between full scans); a scenario's
                      "memory": "CAPTURE" takes a capture's processes
  --pages-to-scan N, --sleep-millisecs N
                      for a capture, ksmd's pace in the timeline that follows the reports
                      (saved MiB and ksmd CPU per full scan over simulated time); default
                      the scenario's knobs, else the kernel's (100 and 20)
  --jsonl             one JSON record per line, exactly as the kernel oracle prints
                      them (plus a "cost" object); without it, a table per report
  --profile NAME      kernel era (default linux-6.18; see "ksm-sim policies")
  --policy AXIS=NAME[:key=value,...]
                      a variant for one axis: checksum, tree, scan, reclaim (repeatable),
                      with parameters (e.g. tree=skiplist:seed=7; see "ksm-sim policies");
                      flags win over the scenario's "profile" and "policies"
  --plugin SPEC       load policy variants and profiles from a plugin: a path (./p.js, a
                      package directory) or an installed package name (repeatable; adds to
                      the scenario's "plugins"). Writing one: docs/plugins.md

explain (a scenario or a capture, as for run):
  --at LABEL          the report to explain at (default the last one)
  --process P         only that process
  --json              one JSON line per page: process, region, page, reason
  reasons: ksm-page, sharer, zero-page (merged); unique, volatile, unstable,
  not-scanned, skipped (smart scan), chain-full (max_page_sharing), vma-unmergeable

capture (format: packages/capture/README.md; the targets are only read, never stopped):
  --pid PID           a process to capture (repeatable)
  --launch -- CMD ARG...
                      start CMD with PR_SET_MEMORY_MERGE set before exec (a small C helper,
                      built with cc on first use), wait --after S seconds (default 1),
                      capture it with the --pid processes, then stop it
  --out FILE          where to write (a temporary file renamed at the end)
  --contents hash     default: a 128-bit hash a page, no page bytes
  --contents full     every distinct page's bytes: WARNING, the memory of a process may
                      hold secrets (keys, passwords, tokens); treat the file like a core dump
  --interval S --count N
                      N snapshots S seconds apart (a trace: replayed with the writes between)

Exit codes: 0 ok; 1 a step failed as the kernel would fail it (a knob write refused with
EBUSY, pages that lost their content); 2 bad input (an unreadable or invalid scenario,
an unknown flag), with a message naming the JSON path or the flag. The output has no
colours or other escapes. A closed pipe (ksm-sim run FILE | head) ends it quietly.`;

/** Where the CLI writes, and where `run -` reads the scenario from. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** All of standard input (default: the process's, read to its end). */
  stdin?(): string;
}

/**
 * The ksm-sim command line: runs `argv` (without node and the script) and returns the exit
 * code. Bad input is reported on `io.err` as one paragraph with exit code 2, never a stack.
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  try {
    return await main(argv, io);
  } catch (e) {
    if (e instanceof UsageError || e instanceof StepError) {
      io.err(`ksm-sim: ${e.message}\n`);
      return e instanceof UsageError ? 2 : 1;
    }
    throw e;
  }
}

async function main(argv: string[], io: CliIo): Promise<number> {
  const own = argv.includes("--") ? argv.slice(0, argv.indexOf("--")) : argv; // not a --launch command's
  if (argv.length === 0 || own.includes("--help") || own.includes("-h")) {
    io.out(`${HELP}\n`);
    return 0;
  }
  if (argv[0] === "--version" || argv[0] === "-V") {
    io.out(`ksm-sim ${packageVersion(import.meta.url)}\n`);
    return 0;
  }
  const [command, ...rest] = argv;
  if (command === "policies") return policies(rest, io);
  if (command === "capture") return captureCommand(rest, io);
  if (command === "explain") return explainCommand(rest, io);
  if (command !== "run")
    throw new UsageError(
      `unknown command "${command}"; expected "run", "explain", "capture" or "policies" (see ksm-sim --help)`,
    );
  let file: string | undefined;
  let jsonl = false;
  let profile: string | undefined;
  const pluginSpecs: string[] = [];
  const chosen: Record<string, string> = {};
  const knobFlags: { pagesToScan?: number; sleepMillisecs?: number } = {};
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === "--jsonl") jsonl = true;
    else if (arg === "--pages-to-scan" || arg === "--sleep-millisecs") {
      const knob = arg === "--pages-to-scan" ? "pages_to_scan" : "sleep_millisecs";
      const raw = rest[++i];
      const value = Number(raw);
      const bad = raw === undefined ? "a value" : validateKnob(knob, value);
      if (raw === undefined || bad)
        throw new UsageError(`${arg} takes ${bad ?? "a value"}; got "${raw ?? ""}"`);
      knobFlags[arg === "--pages-to-scan" ? "pagesToScan" : "sleepMillisecs"] = value;
    } else if (arg === "--profile" || arg === "--policy" || arg === "--plugin") {
      const value = flagValue(rest, i++);
      if (arg === "--profile") profile = value;
      else if (arg === "--plugin") pluginSpecs.push(value);
      else {
        const m = /^([a-z]+)=(.+)$/.exec(value);
        if (!m)
          throw new UsageError(
            `--policy takes AXIS=NAME or AXIS=NAME:key=value,… (e.g. --policy tree=skiplist:seed=7); got "${value}"`,
          );
        chosen[m[1]!] = m[2]!;
      }
    } else if (arg.startsWith("-") && arg !== "-")
      throw new UsageError(
        `unknown flag "${arg}" for "run"; expected --jsonl, --profile, --policy, --plugin, --pages-to-scan or --sleep-millisecs`,
      );
    else if (file === undefined) file = arg;
    else throw new UsageError(`"run" takes one scenario file; got a second one, "${arg}"`);
  }
  if (file === undefined) throw new UsageError(`"run" needs a scenario file: ksm-sim run FILE [--jsonl]`);
  const { json, capture } = await readWorkload(file, io.stdin);
  const plugins = await policyStep(async () => [
    ...(await loadPlugins(pluginSpecs)),
    ...(await scenarioPlugins(json, file)),
  ]);
  const prepared = prepareWorkload(file, json, profile, plugins);
  const { scenario } = prepared;
  const chosenProfile = profile ?? scenario.profile;
  const from = (axis: string) =>
    Object.hasOwn(chosen, axis) ? `--policy ${axis}=${chosen[axis]}` : `${file} at $.policies.${axis}`;
  const sim = await policyStep(
    () =>
      buildSimulation({
        ...(chosenProfile === undefined ? {} : { profile: chosenProfile }),
        policies: { ...scenario.policies, ...chosen },
        plugins,
      }),
    from,
  );
  const note = ignoredKnobsNote(sim.profile, prepared);
  if (note) io.err(`ksm-sim: note: ${note}\n`);
  const emit = (r: SimRecord) => io.out(`${jsonl ? toJsonLine(r) : formatRecord(r)}\n`);
  try {
    for (const record of simulate(scenario, sim)) emit(record);
  } catch (e) {
    // name the step as the file numbers it, whatever settings were taken out
    if (e instanceof StepError && prepared.stepInFile(e.stepIndex) !== e.stepIndex)
      throw new StepError(prepared.stepInFile(e.stepIndex), e.message.replace(/^step \d+: /, ""));
    throw e;
  }
  if (capture) {
    // real memory: how fast, at what CPU, with ksmd as configured rather than the oracle's harness
    const knobs = timelineKnobs(scenario, knobFlags);
    const points = timeline(scenario, sim, knobs, capture.trace);
    io.out(jsonl ? `${toJsonLine({ label: "timeline", knobs, points })}\n` : formatTimeline(points, knobs));
  }
  return 0;
}

/** The value after flag `args[i]`, or a usage error. */
function flagValue(args: readonly string[], i: number): string {
  const value = args[i + 1];
  if (value === undefined || value.startsWith("--"))
    throw new UsageError(`${args[i]} needs a value (see ksm-sim --help)`);
  return value;
}

/**
 * Runs a step that resolves profiles, policies or plugins, turning a {@link PolicyError}
 * into a usage error; `from(axis)` says where a bad axis's choice came from.
 */
async function policyStep<T>(step: () => T | Promise<T>, from?: (axis: string) => string): Promise<T> {
  try {
    return await step();
  } catch (e) {
    if (e instanceof PolicyError)
      throw new UsageError(e.axis && from ? `${from(e.axis)}: ${e.message}` : e.message);
    throw e;
  }
}

/** The plugins a scenario names in "plugins" (paths relative to its file), before it is validated. */
async function scenarioPlugins(json: unknown, file: string) {
  const specs = (json as { plugins?: unknown } | null)?.plugins;
  if (!Array.isArray(specs)) return [];
  const out = [];
  for (const [i, spec] of specs.entries())
    if (typeof spec === "string")
      out.push(await loadPlugin(spec, dirname(resolve(file)), `${file} at $.plugins[${i}]`));
  return out;
}

async function policies(args: string[], io: CliIo): Promise<number> {
  const specs: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--plugin") specs.push(flagValue(args, i++));
    else if (args[i] !== "--json")
      throw new UsageError(`unknown flag "${args[i]}" for "policies"; expected --json or --plugin`);
  }
  const list = listPolicies(await policyStep(() => loadPlugins(specs)));
  if (args.includes("--json")) {
    // each variant's parameters as its factory describes them: name, type, default,
    // description and range (min/max, or choices)
    const byAxis = Object.fromEntries(
      Object.entries(list.policies).map(([axis, vs]) => [
        axis,
        vs.map((v) => ({
          ...v,
          params: Object.entries(v.params ?? {}).map(([name, spec]) => ({ name, ...spec })),
        })),
      ]),
    );
    io.out(`${JSON.stringify({ profiles: list.profiles, policies: byAxis })}\n`);
    return 0;
  }
  const lines = ["profiles:", ...list.profiles.map((p) => `  ${p.name.padEnd(14)} ${p.description}`)];
  for (const [axis, vs] of Object.entries(list.policies)) {
    lines.push(`${axis}:`);
    for (const v of vs) {
      const origin = BUILTIN_PLUGINS.some((p) => p.name === v.plugin) ? "" : ` [${v.plugin}]`;
      lines.push(`  ${v.name.padEnd(14)} ${v.description}${origin}`);
      for (const [name, spec] of Object.entries(v.params ?? {}))
        lines.push(`  ${"".padEnd(14)}   :${describeParam(name, spec)} ${spec.description}`);
    }
  }
  io.out(`${lines.join("\n")}\n`);
  return 0;
}
