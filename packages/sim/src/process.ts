import { readFileSync } from "node:fs";

/**
 * Runs a command line as the process: sets the exit code `main` returns. A closed stdout
 * (EPIPE, as in `ksm-sim run FILE | head`) ends the process quietly with code 0: the reader
 * has all it wanted. Anything unexpected prints `NAME: internal error: …` and exits 70.
 */
export function runAsProcess(name: string, main: () => Promise<number>): void {
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(0);
    throw e;
  });
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(
        `${name}: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
      );
      process.exitCode = 70;
    },
  );
}

/** Whether to use ANSI escapes on `stream`: a terminal, and `NO_COLOR` unset (no-color.org). */
export function useAnsi(stream: { isTTY?: boolean }): boolean {
  return Boolean(stream.isTTY) && !process.env.NO_COLOR;
}

/** The `version` of the package.json one directory above `moduleUrl` (a module in src/ or dist/). */
export function packageVersion(moduleUrl: string): string {
  return (JSON.parse(readFileSync(new URL("../package.json", moduleUrl), "utf8")) as { version: string })
    .version;
}
