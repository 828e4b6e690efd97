#!/usr/bin/env node
import { runBenchCli } from "./run-cli.js";

runBenchCli(process.argv.slice(2), {
  out: (t) => process.stdout.write(t),
  err: process.stderr,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`ksm-bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 70;
  },
);
