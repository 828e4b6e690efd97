#!/usr/bin/env node
import { runAsProcess, useAnsi } from "@ksm/sim";
import { runBenchCli } from "./run-cli.js";

runAsProcess("ksm-bench", () =>
  runBenchCli(process.argv.slice(2), {
    out: (t) => process.stdout.write(t),
    // the progress bar redraws with ANSI escapes only on a terminal without NO_COLOR
    err: {
      isTTY: useAnsi(process.stderr),
      columns: process.stderr.columns,
      write: (t: string) => process.stderr.write(t),
    },
  }),
);
