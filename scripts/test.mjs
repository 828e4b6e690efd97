#!/usr/bin/env node
// Runs every test once with vitest and ends with the line CI reads: "N passed, N failed".
// The live kernel test runs last and alone: /proc/vmstat, which it compares, is
// machine-wide, and busy test workers splitting THPs would show in it.
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";

const LIVE = "apps/ksm-sim/test/oracle.test.ts";
const args = process.argv.slice(2);
const runs = args.length ? [args] : [["--exclude", LIVE], [LIVE]];

let passed = 0;
let failed = 0;
let skipped = 0;
let ok = true;
for (const [i, extra] of runs.entries()) {
  const report = `report${i}.json`;
  rmSync(report, { force: true });
  const run = spawnSync(
    "pnpm",
    [
      "exec",
      "vitest",
      "run",
      "--reporter=default",
      "--reporter=json",
      `--outputFile.json=${report}`,
      ...extra,
    ],
    { stdio: "inherit" },
  );
  ok &&= run.status === 0;
  try {
    const r = JSON.parse(readFileSync(report, "utf8"));
    passed += r.numPassedTests;
    // a suite that failed to load has no failed test of its own: count it once
    failed += r.numFailedTests || r.numFailedTestSuites;
    skipped += r.numPendingTests + r.numTodoTests;
  } catch {
    failed = Math.max(1, failed);
  }
  rmSync(report, { force: true });
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(ok && failed === 0 ? 0 : 1);
