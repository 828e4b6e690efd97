#!/usr/bin/env node
// How often the real ksmd wakes at short sleeps (tools/live-check/README.md, "ksmd's pace"):
// one idle merge-any /bin/sleep (a few dozen anonymous pages: a batch well under a jiffy), ksmd at
// pages_to_scan 5000 so that every batch is one whole full scan, and full_scans counted over
// a wall-clock interval at each sleep_millisecs; beside it the period the model gives ksmd
// (@ksm/core ksmdSleepMs: the sleep in whole jiffies at KERNEL_HZ) and the one it gave
// before (sleep_millisecs, at least 1 ms). KSM is global: runs under
// `flock /tmp/ksm-oracle.lock` (taken here); every knob it changes is restored.
//
// needs: Linux, root, /sys/kernel/mm/ksm, cc, `pnpm build` done.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { holdKsmLock, requireMachine, toolArgs, usageError } from "../common.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const KSM = "/sys/kernel/mm/ksm";
const SLEEPS = [1, 10, 20];
const SLEEPER = "/bin/sleep";

const USAGE = "usage: node tools/live-check/ksmd-pace.mjs [--seconds S] [--json]";
const { values } = toolArgs("ksmd-pace", USAGE, {
  seconds: { type: "string", default: "2" },
  json: { type: "boolean", default: false },
});
const seconds = Number(values.seconds);
if (!(seconds > 0 && seconds <= 60))
  usageError("ksmd-pace", USAGE, `--seconds expects a number of seconds from 0 to 60, got ${values.seconds}`);
const json = values.json;

holdKsmLock(import.meta.url, process.argv.slice(2)); // KSM is global: the rest runs under its lock

requireMachine("ksmd-pace", [
  [process.platform === "linux", "needs Linux"],
  [process.getuid() === 0, "needs root"],
  [existsSync(`${KSM}/run`), `needs ${KSM} (a kernel with CONFIG_KSM)`],
  [existsSync(SLEEPER), `needs ${SLEEPER}`],
  [existsSync(join(ROOT, "packages/core/dist/index.js")), "needs `pnpm build` first"],
]);

const { launchMergeable } = await import(join(ROOT, "packages/capture/dist/index.js"));
const { KERNEL_HZ, ksmdSleepMs } = await import(join(ROOT, "packages/core/dist/index.js"));
const rd = (k) => readFileSync(`${KSM}/${k}`, "utf8").trim();
const wr = (k, v) => writeFileSync(`${KSM}/${k}`, String(v));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const saved = Object.fromEntries(["pages_to_scan", "sleep_millisecs", "run"].map((k) => [k, rd(k)]));
let child;
const rows = [];
try {
  wr("run", 2);
  for (let t = 0; t < 1000 && (Number(rd("pages_shared")) || Number(rd("pages_sharing"))); t++)
    await sleep(10);
  wr("run", 0);
  child = await launchMergeable(SLEEPER, ["3600"], {
    env: { PATH: "/usr/bin:/bin" },
    cwd: "/",
  });
  await sleep(1000);
  wr("pages_to_scan", 5000);
  for (const ms of SLEEPS) {
    wr("sleep_millisecs", ms);
    wr("run", 1);
    await sleep(300); // the first scans merge; then every batch is a quick full scan
    const s0 = Number(rd("full_scans"));
    const t0 = performance.now();
    await sleep(seconds * 1000);
    const scans = Number(rd("full_scans")) - s0;
    const wall = performance.now() - t0;
    wr("run", 0);
    rows.push({
      sleepMillisecs: ms,
      fullScans: scans,
      kernelPeriodMs: Math.round((wall / scans) * 100) / 100,
      modelPeriodMs: ksmdSleepMs(ms),
      oldModelPeriodMs: Math.max(1, ms),
    });
  }
} finally {
  child?.kill("SIGKILL");
  wr("run", 2);
  for (let t = 0; t < 1000 && (Number(rd("pages_shared")) || Number(rd("pages_sharing"))); t++)
    await sleep(10);
  for (const [k, v] of Object.entries(saved)) if (k !== "run") wr(k, v);
  wr("run", saved.run);
}

if (json) console.log(JSON.stringify({ hz: KERNEL_HZ, seconds, rows }));
else {
  console.log(
    `ksmd's period between batches (one full scan each), ${seconds} s per sleep; model HZ ${KERNEL_HZ}`,
  );
  console.log("  sleep_millisecs  full scans  kernel ms  model ms  before ms");
  for (const r of rows)
    console.log(
      `  ${String(r.sleepMillisecs).padStart(15)}  ${String(r.fullScans).padStart(10)}  ${r.kernelPeriodMs.toFixed(2).padStart(9)}  ${r.modelPeriodMs.toFixed(2).padStart(8)}  ${r.oldModelPeriodMs.toFixed(2).padStart(9)}`,
    );
}
