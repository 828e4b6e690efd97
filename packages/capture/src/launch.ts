import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { CaptureError } from "./format.js";

/**
 * The helper `--launch` runs: node cannot call prctl(2) on itself, so this sets
 * PR_SET_MEMORY_MERGE (as systemd's MemoryKSM= does) and execs the command, which keeps
 * the flag (Linux 6.4+ carries MMF_VM_MERGE_ANY over execve).
 */
export const MERGE_EXEC_SOURCE = `#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>
#ifndef PR_SET_MEMORY_MERGE
#define PR_SET_MEMORY_MERGE 67
#endif
int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: ksm-merge-exec CMD [ARG]...\\n");
    return 2;
  }
  if (prctl(PR_SET_MEMORY_MERGE, 1, 0, 0, 0) != 0) {
    fprintf(stderr, "ksm-merge-exec: prctl(PR_SET_MEMORY_MERGE): %s\\n", strerror(errno));
    return 126;
  }
  execvp(argv[1], argv + 1);
  fprintf(stderr, "ksm-merge-exec: %s: %s\\n", argv[1], strerror(errno));
  return 127;
}
`;

/**
 * The path of the compiled helper, building it with `cc` (gcc) on first use into
 * `$XDG_CACHE_HOME/ksm-sim` (default `~/.cache/ksm-sim`), named after a hash of its source.
 * Throws {@link CaptureError} when no C compiler is there.
 */
export function mergeExecHelper(): string {
  const dir = join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "ksm-sim");
  const tag = createHash("sha256").update(MERGE_EXEC_SOURCE).digest("hex").slice(0, 12);
  const bin = join(dir, `ksm-merge-exec-${tag}`);
  if (existsSync(bin)) return bin;
  mkdirSync(dir, { recursive: true });
  const src = join(dir, `ksm-merge-exec-${tag}.${process.pid}.c`);
  writeFileSync(src, MERGE_EXEC_SOURCE);
  try {
    execFileSync("cc", ["-O2", "-o", `${bin}.${process.pid}`, src], { stdio: ["ignore", "ignore", "pipe"] });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: Buffer };
    throw new CaptureError(
      `--launch needs a C compiler to build its PR_SET_MEMORY_MERGE helper (cc ${err.code === "ENOENT" ? "is not installed: apt-get install gcc" : `failed: ${err.stderr?.toString().trim()}`}).`,
    );
  } finally {
    rmSync(src, { force: true });
  }
  renameSync(`${bin}.${process.pid}`, bin);
  return bin;
}

/**
 * Starts `command` with PR_SET_MEMORY_MERGE set before exec (through {@link mergeExecHelper}),
 * its output discarded, in `opts.cwd` with `opts.env` (default ours: a capture of the process
 * records its stack, environment included); it keeps the helper's pid. Resolves once started.
 */
export async function launchMergeable(
  command: string,
  args: readonly string[],
  opts: { readonly env?: NodeJS.ProcessEnv; readonly cwd?: string } = {},
): Promise<ChildProcess> {
  const child = spawn(mergeExecHelper(), [command, ...args], {
    stdio: ["ignore", "ignore", "pipe"],
    env: opts.env ?? process.env,
    ...(opts.cwd === undefined ? {} : { cwd: opts.cwd }),
  });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  await new Promise<void>((resolve, reject) => {
    child.once("spawn", resolve);
    child.once("error", reject);
  });
  // an exec failure shows within moments: give it one to say so
  await new Promise((r) => setTimeout(r, 50));
  if (child.exitCode !== null)
    throw new CaptureError(
      `--launch ${command}: exited at once with code ${child.exitCode}: ${stderr.trim()}`,
    );
  return child;
}
