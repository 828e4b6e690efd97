import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { CaptureError } from "@ksm/capture";
import { parseScenario, type Scenario, ScenarioError } from "@ksm/scenario";
import { type CaptureWorkload, isCaptureFile, loadCapture } from "./capture-scenario.js";
import { findProfile, PolicyError } from "./registry.js";
import { validateKnob } from "./simulate.js";
import { UsageError } from "./usage-error.js";

/** What `run` and `explain` work on: a scenario, and the capture behind it if any. */
export interface Workload {
  readonly scenario: Scenario;
  readonly capture?: CaptureWorkload;
}

/**
 * Loads `file`: a capture (its processes, settled, or replayed as a trace), or a scenario
 * (format v1) that may name a capture as its memory (`"memory": "FILE"`, relative to the
 * scenario: the capture's processes come first, the scenario's steps replace the default
 * settle). Validates against the profile the flag or the scenario names. Throws
 * {@link UsageError} with the file and the JSON path or byte offset.
 */
export async function loadWorkload(file: string, profileFlag: string | undefined): Promise<Workload> {
  if (isCaptureFile(file)) {
    const capture = await readCaptureOrFail(file);
    return {
      scenario: parse({ processes: capture.processes, steps: capture.steps }, file, profileFlag),
      capture,
    };
  }
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
  const memory = (json as { memory?: unknown } | null)?.memory;
  if (memory === undefined) return { scenario: parse(json, file, profileFlag) };
  if (typeof memory !== "string")
    throw new UsageError(
      `${file}: invalid scenario at $.memory: expected the path of a capture file, got ${JSON.stringify(memory)}`,
    );
  const path = resolve(dirname(file), memory);
  if (!isCaptureFile(path))
    throw new UsageError(
      `${file}: invalid scenario at $.memory: ${path} is not a capture file (ksm-sim capture writes one)`,
    );
  const capture = await readCaptureOrFail(path);
  const { memory: _, ...rest } = json as Record<string, unknown>;
  const own = Array.isArray(rest.processes) ? rest.processes : [];
  const merged = { ...rest, processes: [...capture.processes, ...own], steps: rest.steps ?? capture.steps };
  return { scenario: parse(merged, file, profileFlag), capture };
}

async function readCaptureOrFail(path: string): Promise<CaptureWorkload> {
  try {
    return await loadCapture(path);
  } catch (e) {
    if (e instanceof CaptureError) throw new UsageError(e.message);
    throw e;
  }
}

function parse(json: unknown, file: string, profileFlag: string | undefined): Scenario {
  const named = profileFlag ?? (json as { profile?: unknown } | null)?.profile;
  let profile: ReturnType<typeof findProfile>;
  try {
    profile = findProfile(typeof named === "string" ? named : undefined);
  } catch (e) {
    if (e instanceof PolicyError) throw new UsageError(e.message);
    throw e;
  }
  try {
    return parseScenario(json, (n, v) => validateKnob(n, v, profile));
  } catch (e) {
    if (e instanceof ScenarioError)
      throw new UsageError(`${file}: invalid scenario ${e.message}. Nothing was run.`);
    throw e;
  }
}
