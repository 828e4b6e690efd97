import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { CaptureError, type CaptureWorkload, isCaptureFile, loadCapture } from "@ksm/capture";
import type { KsmPlugin } from "@ksm/contracts";
import { type Scenario, ScenarioError } from "@ksm/scenario";
import { findProfile, PolicyError, type PreparedScenario, prepareScenario } from "@ksm/sim";
import { UsageError } from "./usage-error.js";

/** What `run` and `explain` work on: a scenario, and the capture behind it if any. */
export interface Workload {
  readonly scenario: Scenario;
  readonly capture?: CaptureWorkload;
}

/** A workload read but not validated yet: the scenario's JSON (a capture's made into one). */
export interface RawWorkload {
  readonly json: unknown;
  readonly capture?: CaptureWorkload;
}

/**
 * Reads `file` (`-`: `stdin()`): a capture (its processes, settled, or replayed as a trace),
 * or a scenario that may name a capture as its memory (`"memory": "FILE"`, relative to the
 * scenario: the capture's processes come first, the scenario's steps replace the default
 * settle). Throws {@link UsageError} with the file and the JSON path or byte offset.
 */
export async function readWorkload(file: string, stdin?: () => string): Promise<RawWorkload> {
  if (file !== "-" && isCaptureFile(file)) {
    const capture = await readCaptureOrFail(file);
    return { json: { processes: capture.processes, steps: capture.steps }, capture };
  }
  let text: string;
  try {
    text = file === "-" ? (stdin?.() ?? readFileSync(0, "utf8")) : readFileSync(file, "utf8");
  } catch (e) {
    throw new UsageError(`cannot read scenario file ${file}: ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${file} is not valid JSON: ${(e as Error).message}`);
  }
  const memory = (json as { memory?: unknown } | null)?.memory;
  if (memory === undefined) return { json };
  if (typeof memory !== "string")
    throw new UsageError(
      `${file}: invalid scenario at $.memory: expected the path of a capture file, got ${JSON.stringify(memory)}`,
    );
  const path = resolve(file === "-" ? "." : dirname(file), memory);
  if (!isCaptureFile(path))
    throw new UsageError(
      `${file}: invalid scenario at $.memory: ${path} is not a capture file (ksm-sim capture writes one)`,
    );
  const capture = await readCaptureOrFail(path);
  const { memory: _, ...rest } = json as Record<string, unknown>;
  const own = Array.isArray(rest.processes) ? rest.processes : [];
  return {
    json: { ...rest, processes: [...capture.processes, ...own], steps: rest.steps ?? capture.steps },
    capture,
  };
}

/**
 * Validates a workload's scenario for the profile the flag or the scenario names (among the
 * built-in profiles and `plugins`'), with the knobs that profile lacks taken out.
 */
export function prepareWorkload(
  file: string,
  json: unknown,
  profileFlag: string | undefined,
  plugins: readonly KsmPlugin[] = [],
): PreparedScenario {
  const named = profileFlag ?? (json as { profile?: unknown } | null)?.profile;
  let profile: ReturnType<typeof findProfile>;
  try {
    profile = findProfile(typeof named === "string" ? named : undefined, plugins);
  } catch (e) {
    if (e instanceof PolicyError) throw new UsageError(e.message);
    throw e;
  }
  try {
    return prepareScenario(json, profile);
  } catch (e) {
    if (e instanceof ScenarioError)
      throw new UsageError(`${file}: invalid scenario ${e.message}. Nothing was run.`);
    throw e;
  }
}

/** {@link readWorkload} and {@link prepareWorkload} with the built-in plugins. */
export async function loadWorkload(file: string, profileFlag: string | undefined): Promise<Workload> {
  const { json, capture } = await readWorkload(file);
  const { scenario } = prepareWorkload(file, json, profileFlag);
  return capture ? { scenario, capture } : { scenario };
}

async function readCaptureOrFail(path: string): Promise<CaptureWorkload> {
  try {
    return await loadCapture(path);
  } catch (e) {
    if (e instanceof CaptureError) throw new UsageError(e.message);
    throw e;
  }
}
