#!/usr/bin/env node
import { runBenchCli } from "./run-cli.js";

/**
 * A standard stream that goes quiet once its reader has gone (EPIPE, e.g. `| head`): a
 * closed pipe is not an error, and the run still finishes and writes its files.
 */
function quietOnEpipe(stream: NodeJS.WriteStream) {
  let closed = false;
  stream.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code !== "EPIPE") throw e;
    closed = true;
  });
  return {
    get isTTY() {
      return stream.isTTY;
    },
    get columns() {
      return stream.columns;
    },
    write: (text: string) => closed || stream.write(text),
  };
}

const stdout = quietOnEpipe(process.stdout);
const stderr = quietOnEpipe(process.stderr);

runBenchCli(process.argv.slice(2), { out: (t) => stdout.write(t), err: stderr }).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    stderr.write(`ksm-bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 70;
  },
);
