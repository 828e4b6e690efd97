#!/usr/bin/env node
// The live check of captures (tools/live-check/README.md): N idle processes of one program,
// started with PR_SET_MEMORY_MERGE, captured with full contents; then the real ksmd settles
// on them with pinned knobs, and its pages_shared, pages_sharing and ksm_zero_pages are
// compared with what `ksm-sim run` predicts from the capture. KSM is global: the whole check
// runs under `flock /tmp/ksm-oracle.lock` (the script takes it itself).
//
// --out keeps the capture, and what the kernel reached in FILE.kernel.json beside it.
// needs: Linux, root, /sys/kernel/mm/ksm, cc, `pnpm build` done.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { holdKsmLock, requireMachine, simulatorRecords, toolArgs, usageError } from "../common.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const KSM = "/sys/kernel/mm/ksm";
/** The knobs the check pins on the kernel and gives the simulator. */
const PINNED = {
  pages_to_scan: 5000,
  sleep_millisecs: 10,
  use_zero_pages: 1,
  max_page_sharing: 256,
  merge_across_nodes: 1,
  smart_scan: 1,
  stable_node_chains_prune_millisecs: 2000,
};
const COMPARED = ["pages_shared", "pages_sharing", "ksm_zero_pages"];
/** The program: a Python that imports a few modules and sleeps. */
const PROGRAM = ["/usr/bin/python3", "-I", "-c", "import json, re, time\nwhile True: time.sleep(3600)"];

const USAGE =
  "usage: node tools/live-check/live-check.mjs [--processes N] [--contents full|hash] [--sleep MS] [--out FILE.cap] [--json]";
const { values } = toolArgs("live-check", USAGE, {
  processes: { type: "string", default: "4" },
  contents: { type: "string", default: "full" },
  sleep: { type: "string", default: String(PINNED.sleep_millisecs) },
  out: { type: "string" },
  json: { type: "boolean", default: false },
});
const count = Number(values.processes);
if (!Number.isInteger(count) || count < 1 || count > 64)
  usageError("live-check", USAGE, `--processes expects a whole number from 1 to 64, got ${values.processes}`);
const contents = values.contents;
if (contents !== "full" && contents !== "hash")
  usageError("live-check", USAGE, `--contents expects full or hash, got ${contents}`);
PINNED.sleep_millisecs = Number(values.sleep);
if (!Number.isInteger(PINNED.sleep_millisecs) || PINNED.sleep_millisecs < 0)
  usageError("live-check", USAGE, `--sleep expects whole milliseconds (0 or more), got ${values.sleep}`);
const out = resolve(values.out ?? join(mkdtempSync(join(tmpdir(), "live-check-")), "live.cap"));
const json = values.json;

holdKsmLock(import.meta.url, process.argv.slice(2)); // KSM is global: the rest runs under its lock

requireMachine("live-check", [
  [process.platform === "linux", "needs Linux"],
  [process.getuid() === 0, "needs root"],
  [existsSync(`${KSM}/run`), `needs ${KSM} (a kernel with CONFIG_KSM)`],
  [existsSync(PROGRAM[0]), `needs ${PROGRAM[0]}`],
  [existsSync(join(ROOT, "packages/capture/dist/index.js")), "needs `pnpm build` first"],
]);

const { captureProcesses, launchMergeable } = await import(join(ROOT, "packages/capture/dist/index.js"));
const rd = (k) => readFileSync(`${KSM}/${k}`, "utf8").trim();
const wr = (k, v) => writeFileSync(`${KSM}/${k}`, String(v));
const counters = () =>
  Object.fromEntries([...COMPARED, "pages_unshared", "full_scans"].map((k) => [k, Number(rd(k))]));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function unmergeAll() {
  wr("run", 2);
  for (let t = 0; t < 1000 && (Number(rd("pages_shared")) || Number(rd("pages_sharing"))); t++)
    await sleep(10);
}

const saved = Object.fromEntries([...Object.keys(PINNED), "run"].map((k) => [k, rd(k)]));
const children = [];
let kernel;
let capture;
try {
  await unmergeAll();
  for (const [k, v] of Object.entries(PINNED)) wr(k, v);
  wr("run", 0);
  // a bare environment in /: the capture holds the processes' memory, their stacks and
  // environment included (and Python -I looks at no user paths)
  const launch = { env: { PATH: "/usr/bin:/bin", LANG: "C.UTF-8" }, cwd: "/" };
  for (let i = 0; i < count; i++) children.push(await launchMergeable(PROGRAM[0], PROGRAM.slice(1), launch));
  await sleep(1500); // let them finish starting up
  capture = await captureProcesses({ pids: children.map((c) => c.pid), out, contents });
  // the real ksmd, until 3 full scans in a row leave the counters alone
  wr("run", 1);
  let prev = "";
  let same = 0;
  const t0 = Date.now();
  const scans = []; // [full_scans, ms since run=1, counters] at each full scan seen
  while (same < 3 && Date.now() - t0 < 120_000) {
    const start = Number(rd("full_scans"));
    while (Number(rd("full_scans")) === start && Date.now() - t0 < 120_000) await sleep(5);
    const c = counters();
    scans.push([c.full_scans, Date.now() - t0, COMPARED.map((k) => c[k]).join(",")]);
    const key = COMPARED.map((k) => c[k]).join(",") + `,${c.pages_unshared}`;
    same = key === prev ? same + 1 : 0;
    prev = key;
  }
  kernel = counters();
  // when the final counters were first reached
  const final = COMPARED.map((k) => kernel[k]).join(",");
  const reached = scans.find((x) => x[2] === final) ?? scans.at(-1);
  kernel.reached = { fullScans: reached[0], seconds: reached[1] / 1000 };
  kernel.perProcess = children.map((c) => {
    const stat = readFileSync(`/proc/${c.pid}/ksm_stat`, "utf8");
    return Number(/ksm_merging_pages (\d+)/.exec(stat)[1]);
  });
} finally {
  for (const c of children) c.kill("SIGKILL");
  await unmergeAll();
  for (const [k, v] of Object.entries(saved)) if (k !== "run") wr(k, v);
  wr("run", saved.run);
}

// the prediction, from the capture alone, with the same knobs
const scenario = join(mkdtempSync(join(tmpdir(), "live-check-")), "live-check.json");
writeFileSync(
  scenario,
  JSON.stringify({
    memory: out,
    knobs: PINNED,
    steps: [{ op: "settle" }, { op: "report", label: "settled" }],
  }),
);
const records = simulatorRecords(ROOT, scenario, "live-check");
const settled = records.find((r) => r.label === "settled");
// the timeline at the same knobs: when ksmd got to the settled counters
const points = records.find((r) => r.label === "timeline").points;
const hit = points.find(
  (p) =>
    p.pagesShared === settled.counters.pages_shared &&
    p.pagesSharing === settled.counters.pages_sharing &&
    p.ksmZeroPages === settled.counters.ksm_zero_pages,
);
const predictedReached = hit ? { fullScans: hit.fullScans, seconds: hit.seconds } : null;
const rows = COMPARED.map((k) => {
  const real = kernel[k];
  const predicted = settled.counters[k];
  const off = real === predicted ? 0 : Math.abs(predicted - real) / Math.max(real, 1);
  return { counter: k, kernel: real, predicted, offPercent: Math.round(off * 1e4) / 100 };
});
const predictedPerProcess = children.map((c) => {
  const name = Object.keys(settled.processes).find((n) => n.endsWith(`-${c.pid}`));
  return settled.processes[name].ksm_merging_pages;
});
const ok = rows.every((r) => r.offPercent <= 1);
const result = {
  ok,
  processes: count,
  contents,
  program: PROGRAM.join(" "),
  capturedPages: capture.pages,
  distinctPages: capture.contents,
  kernelFullScans: kernel.full_scans,
  rows,
  mergingPagesPerProcess: { kernel: kernel.perProcess, predicted: predictedPerProcess },
  settledAt: { kernel: kernel.reached, predicted: predictedReached },
  sleepMillisecs: PINNED.sleep_millisecs,
};
if (values.out !== undefined)
  // keep what the kernel reached beside the capture: a replay test checks the prediction against it
  writeFileSync(
    `${out.replace(/\.cap$/, "")}.kernel.json`,
    `${JSON.stringify({ knobs: PINNED, ...result }, null, 2)}\n`,
  );
if (json) console.log(JSON.stringify(result));
else {
  console.log(
    `${count} x ${PROGRAM[0]} (merge-any), ${capture.pages} captured pages (--contents ${contents}${contents === "full" ? `, ${capture.contents} distinct` : ""}); kernel settled after ${kernel.full_scans} full scans`,
  );
  for (const r of rows)
    console.log(
      `  ${r.counter.padEnd(16)} kernel ${String(r.kernel).padStart(8)}  predicted ${String(r.predicted).padStart(8)}  off ${r.offPercent} %`,
    );
  console.log(
    `  ksm_merging_pages per process: kernel ${kernel.perProcess.join(" ")}, predicted ${predictedPerProcess.join(" ")}`,
  );
  const at = (r) => (r ? `full scan ${r.fullScans}, ${r.seconds.toFixed(2)} s` : "never");
  console.log(
    `  final counters reached (sleep_millisecs ${PINNED.sleep_millisecs}): kernel ${at(kernel.reached)}; predicted ${at(predictedReached)}`,
  );
  console.log(ok ? "within 1 %" : "OUTSIDE 1 %");
}
process.exit(ok ? 0 : 1);
