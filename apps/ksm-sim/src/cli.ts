#!/usr/bin/env node
import { runAsProcess } from "@ksm/sim";
import { runCli } from "./run-cli.js";

runAsProcess("ksm-sim", () =>
  runCli(process.argv.slice(2), {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
  }),
);
