import { readFileSync } from "node:fs";
import { createXxhashChecksum } from "@ksm/policy-checksum";
import { parseScenario, ScenarioError } from "@ksm/scenario";
import { type SimRecord, toJsonLine } from "./records.js";
import { StepError, simulate, validateKnob } from "./simulate.js";
import { formatRecord } from "./table.js";

const HELP = `ksm-sim: simulate Linux 6.18 KSM (kernel samepage merging)

Usage:
  ksm-sim run FILE [--jsonl]    run a scenario (format v1) and print its reports
  ksm-sim --help                this text

run:
  FILE       a scenario JSON file (see the scenario format in packages/scenario/README.md)
  --jsonl    one JSON record per line, exactly as the kernel oracle prints them;
             without it, a readable table per report

Exit codes: 0 ok; 1 a step failed as the kernel would fail it (a knob write refused with
EBUSY, pages that lost their content); 2 bad input (an unreadable or invalid scenario,
an unknown flag), with a message naming the JSON path or the flag.`;

/** A usage or input error: printed as one paragraph, exit code 2. */
class UsageError extends Error {}

/** Where the CLI writes. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
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
  if (argv.length === 0 || argv.includes("--help") || argv.includes("-h")) {
    io.out(`${HELP}\n`);
    return 0;
  }
  const [command, ...rest] = argv;
  if (command !== "run")
    throw new UsageError(`unknown command "${command}"; expected "run" (see ksm-sim --help)`);
  let file: string | undefined;
  let jsonl = false;
  for (const arg of rest) {
    if (arg === "--jsonl") jsonl = true;
    else if (arg.startsWith("-")) throw new UsageError(`unknown flag "${arg}" for "run"; expected --jsonl`);
    else if (file === undefined) file = arg;
    else throw new UsageError(`"run" takes one scenario file; got a second one, "${arg}"`);
  }
  if (file === undefined) throw new UsageError(`"run" needs a scenario file: ksm-sim run FILE [--jsonl]`);
  const scenario = load(file);
  const checksum = await createXxhashChecksum();
  const emit = (r: SimRecord) => io.out(`${jsonl ? toJsonLine(r) : formatRecord(r)}\n`);
  for (const record of simulate(scenario, { checksum })) emit(record);
  return 0;
}

function load(file: string) {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new UsageError(`cannot read scenario file ${file}: ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${file} is not valid JSON: ${(e as Error).message}`);
  }
  try {
    return parseScenario(json, validateKnob);
  } catch (e) {
    if (e instanceof ScenarioError)
      throw new UsageError(`${file}: invalid scenario ${e.message}. Nothing was run.`);
    throw e;
  }
}
