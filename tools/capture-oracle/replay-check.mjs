#!/usr/bin/env node
// Replays a `--contents full` capture on the real kernel and on the simulator, record for
// record: the capture becomes a scenario (as `ksm-sim run` builds it), the kernel oracle
// runs it with the captured bytes written into its regions (captured_oracle.py: the oracle
// plus the {"bytes"} content kind), and every record the kernel printed must match the
// simulator's (the oracle's comparison rule). KSM is global: runs under
// `flock /tmp/ksm-oracle.lock` (taken here).
//
// needs: root, /sys/kernel/mm/ksm, cc, python3, ../shared/ksm-oracle, `pnpm build` done.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { requireMachine, simulatorRecords, toolArgs } from "../common.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, "../..");
const ORACLE_DIR = process.env.KSM_ORACLE_DIR || resolve(ROOT, "../shared/ksm-oracle");
const { values, positionals } = toolArgs(
  "replay-check",
  "usage: node tools/capture-oracle/replay-check.mjs [CAPTURE] [--json]",
  { json: { type: "boolean", default: false } },
  1,
);
const capture = resolve(positionals[0] ?? join(ROOT, "examples/captures/python-idle-4.cap"));
const json = values.json;

requireMachine("replay-check", [
  [process.getuid?.() === 0, "needs root"],
  [existsSync("/sys/kernel/mm/ksm/run"), "needs /sys/kernel/mm/ksm"],
  [existsSync(join(ORACLE_DIR, "ksm_oracle.py")), `needs the kernel oracle at ${ORACLE_DIR}`],
  [existsSync(join(ROOT, "apps/ksm-sim/dist/index.js")), "needs `pnpm build` first"],
]);

const { loadCapture, firstDifference } = await import(join(ROOT, "apps/ksm-sim/dist/index.js"));
const workload = await loadCapture(capture);
if (workload.header.contents !== "full") {
  console.error(
    `replay-check: ${capture} has hash contents; the kernel needs the page bytes (--contents full)`,
  );
  process.exit(2);
}
const dir = mkdtempSync(join(tmpdir(), "replay-check-"));
const lines = (t) =>
  t
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
// a trace keeps its own steps; a snapshot gets a record after each of the first two full
// scans too; both with use_zero_pages off (the kernel's default) and on
const steps =
  workload.trace.length > 0
    ? workload.steps
    : [
        { op: "scan" },
        { op: "report", label: "scan-1" },
        { op: "scan" },
        { op: "report", label: "scan-2" },
        ...workload.steps,
      ];
const results = [];
for (const use_zero_pages of [0, 1]) {
  const scenario = join(dir, `capture-${use_zero_pages}.json`);
  writeFileSync(
    scenario,
    JSON.stringify({ knobs: { use_zero_pages }, processes: workload.processes, steps }),
  );
  const kernelOut = join(dir, `kernel-${use_zero_pages}.jsonl`);
  const k = spawnSync(
    "flock",
    ["/tmp/ksm-oracle.lock", "python3", join(HERE, "captured_oracle.py"), scenario, "--out", kernelOut],
    { encoding: "utf8", env: { ...process.env, KSM_ORACLE_DIR: ORACLE_DIR } },
  );
  if (k.status !== 0) {
    console.error(`replay-check: the oracle failed: ${k.stderr.trim()}`);
    process.exit(1);
  }
  const kernel = lines(readFileSync(kernelOut, "utf8"));
  const simulated = simulatorRecords(ROOT, scenario, "replay-check");
  const diffs = kernel.map((r, i) =>
    i < simulated.length ? firstDifference(r, simulated[i]) : "no such record",
  );
  results.push({
    use_zero_pages,
    records: kernel.length,
    matched: diffs.filter((d) => d === null).length,
    firstDifference: diffs.find((d) => d !== null) ?? null,
    kernel: kernel.map((r) => ({ label: r.label, counters: r.counters })),
  });
}
const ok = results.every((r) => r.records > 0 && r.matched === r.records);
if (json) console.log(JSON.stringify({ capture, ok, results }));
else
  for (const r of results) {
    console.log(`${capture}, use_zero_pages=${r.use_zero_pages}: ${r.matched}/${r.records} records matched`);
    if (r.firstDifference) console.log(`  first difference: ${r.firstDifference}`);
    for (const { label, counters: c } of r.kernel)
      if (c)
        console.log(
          `  [${label}] kernel pages_shared ${c.pages_shared}, pages_sharing ${c.pages_sharing}, pages_unshared ${c.pages_unshared}, ksm_zero_pages ${c.ksm_zero_pages}`,
        );
  }
process.exit(ok ? 0 : 1);
