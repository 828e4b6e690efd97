#!/usr/bin/env node
// Capture speed: a target process with MIB MiB of anonymous memory (half random bytes, a
// quarter one repeated page, a quarter zero pages), captured REPEAT times per contents mode;
// prints the best MiB/s of captured memory (bytes read from /proc/PID/mem over wall-clock
// time of the capture, file written and renamed included), and the best over this process's
// CPU time (user + system, every thread: zlib's pool too), which other load on the machine
// disturbs less.
//
// usage (root, after `pnpm build`): node packages/capture/bench/capture-speed.mjs [MIB] [REPEAT]
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { captureProcesses } from "../dist/index.js";

const mib = Number(process.argv[2] ?? 512);
const repeat = Number(process.argv[3] ?? 3);
if (process.getuid?.() !== 0) {
  console.error("capture-speed: needs root (reads /proc/PID/mem)");
  process.exit(77);
}
const TARGET = `
import mmap, os, sys, time
n = ${mib} * 256
m = mmap.mmap(-1, n * 4096, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
half = n // 2
m[0:half * 4096] = os.urandom(half * 4096)
m[half * 4096:(half + n // 4) * 4096] = b"\\x5a" * ((n // 4) * 4096)
m[(half + n // 4) * 4096:n * 4096] = bytes((n - half - n // 4) * 4096)
print("ready", flush=True)
time.sleep(3600)
`;
const child = spawn("/usr/bin/python3", ["-c", TARGET], { stdio: ["ignore", "pipe", "inherit"] });
await new Promise((r) => child.stdout.once("data", r));
const dir = mkdtempSync(join(tmpdir(), "capture-speed-"));
try {
  for (const contents of ["hash", "full"]) {
    let best = 0;
    let bestCpu = 0;
    let size = 0;
    let read = 0;
    for (let i = 0; i < repeat; i++) {
      const out = join(dir, `${contents}.cap`);
      const cpu0 = process.cpuUsage();
      const s = await captureProcesses({ pids: [child.pid], out, contents });
      const cpu = process.cpuUsage(cpu0);
      best = Math.max(best, s.bytesRead / 2 ** 20 / s.seconds);
      bestCpu = Math.max(bestCpu, s.bytesRead / 2 ** 20 / ((cpu.user + cpu.system) / 1e6));
      size = statSync(out).size;
      read = s.bytesRead;
    }
    console.log(
      `--contents ${contents}: ${(read / 2 ** 20).toFixed(0)} MiB captured at ${best.toFixed(0)} MiB/s of wall time, ${bestCpu.toFixed(0)} MiB per CPU second (best of ${repeat}), file ${(size / 2 ** 20).toFixed(1)} MiB`,
    );
  }
} finally {
  child.kill();
  rmSync(dir, { recursive: true, force: true });
}
