// Queue mode against a real redis-server: the one .ci/run starts (KSM_BENCH_REDIS=redis://
// 127.0.0.1:PORT), else one this file starts on a free port. Workers are the built CLI
// (apps/bench/dist/cli.js) in their own processes, so that one can be killed mid-cell.
// Where redis-server cannot start, or the build is missing, the tests are skipped and say why.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { listPolicies } from "@ksm/sim";
import { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CellResult,
  type CellSpec,
  cellKey,
  checkReachable,
  formatJson,
  parseQueueAddress,
  planMatrix,
  runMatrix,
  runOnQueue,
  startRedisServer,
} from "../src/index.js";

const CLI = fileURLToPath(new URL("../dist/cli.js", import.meta.url));

/** The redis-server .ci/run started, if it answers; else one of our own. */
async function findRedis(): Promise<{ url: string; proc?: ChildProcess } | { why: string }> {
  const given = process.env.KSM_BENCH_REDIS?.replace(/\/+$/, "");
  if (!given)
    try {
      return await startRedisServer();
    } catch (e) {
      return { why: `${(e as Error).message}, and KSM_BENCH_REDIS is not set` };
    }
  try {
    await checkReachable(parseQueueAddress(given, "KSM_BENCH_REDIS"), "KSM_BENCH_REDIS", 2000);
    return { url: given };
  } catch (e) {
    return { why: (e as Error).message };
  }
}

const redis = await findRedis();
const why = !existsSync(CLI)
  ? `the built CLI ${CLI} is missing (pnpm build first)`
  : "why" in redis
    ? redis.why
    : null;
if (why) console.warn(`queue.test.ts: queue mode tests skipped: ${why}`);

const made: string[] = [];
/** A queue of its own for each test (and each run of the suite). */
function newQueue(): string {
  const q = `${(redis as { url: string }).url}/0/t${process.pid}-${Date.now()}-${made.length}`;
  made.push(q);
  return q;
}

afterAll(async () => {
  for (const q of made) {
    const a = parseQueueAddress(q);
    const queue = new Queue(a.name, { connection: { host: a.host, port: a.port } });
    await queue.obliterate({ force: true });
    await queue.close();
  }
  if ("proc" in redis) redis.proc?.kill();
});

/** A worker process of the built CLI, with its stderr collected. */
function worker(queue: string, ...extra: string[]) {
  const proc = spawn(process.execPath, [CLI, "worker", "--queue", queue, "--workers", "1", ...extra]);
  const w = { proc, log: "", exited: new Promise<number | null>((r) => proc.once("exit", (c) => r(c))) };
  proc.stderr.on("data", (d: Buffer) => {
    w.log += d;
  });
  return w;
}

const started = (log: string) => [...log.matchAll(/worker: started (\S+)/g)].map((m) => m[1]!);
const finished = (log: string) => [...log.matchAll(/worker: finished (\S+)/g)].map((m) => m[1]!);

const json = (rs: readonly CellResult[]) => formatJson(rs.map(({ wallSeconds: _, ...rest }) => rest));

describe.skipIf(why !== null)("queue mode on a real redis-server", () => {
  const small: CellSpec[] = planMatrix(listPolicies(), {
    workloads: ["zero-heavy"],
    seeds: [1, 2],
    profiles: ["linux-6.18"],
    // zero-heavy never reclaims: every reclaim variant is the default's run
    axes: ["tree", "reclaim"],
    params: { "zero-heavy": { pages: 256, scans: 3 } },
  });
  let local: string;
  beforeAll(async () => {
    local = json(await runMatrix(small, { workers: 0, model: null }));
  });

  it("gives a local run's results, byte for byte, from two workers", async () => {
    const q = newQueue();
    // both workers wait on the queue before the first cell is on it, so both get some
    const ws = [worker(q, "--until-empty"), worker(q, "--until-empty")];
    while (!ws.every((w) => w.log.includes("worker: ready"))) await new Promise((r) => setTimeout(r, 20));
    const results = await runOnQueue(small, parseQueueAddress(q), { model: null });
    expect(await Promise.all(ws.map((w) => w.exited))).toEqual([0, 0]);
    expect(json(results)).toBe(local);
    const ran = ws.flatMap((w) => finished(w.log));
    // each distinct run once, across both workers; both took some
    expect(new Set(ran).size).toBe(ran.length);
    expect(ran.length).toBeLessThan(small.length);
    expect(ws.every((w) => finished(w.log).length > 0)).toBe(true);
  });

  it("survives a worker killed mid-cell: its cell is run again elsewhere, none lost, none twice", async () => {
    // cells of about a second, so that the kill lands inside one
    const slow = planMatrix(listPolicies(), {
      workloads: ["vm-consolidation"],
      seeds: [1, 2],
      profiles: ["linux-6.18"],
      axes: [],
      params: { "vm-consolidation": { guests: 8, pages: 4096 } },
    });
    const q = newQueue();
    const coordinator = runOnQueue(slow, parseQueueAddress(q), { model: null });
    const a = worker(q, "--lock-ms", "1000");
    while (started(a.log).length === 0) await new Promise((r) => setTimeout(r, 20));
    a.proc.kill("SIGKILL");
    await a.exited;
    const killed = started(a.log)[0]!;
    expect(finished(a.log)).toEqual([]);
    const b = worker(q, "--lock-ms", "1000", "--until-empty");
    const results = await coordinator;
    expect(await b.exited).toBe(0);
    // the killed worker's cell went back on the queue and ran on the other worker
    expect(started(b.log)).toContain(killed);
    expect(b.log).toMatch(new RegExp(`started ${killed} \\S+ \\(attempt [2-9]`));
    expect(finished(b.log)).toHaveLength(slow.length);
    expect(new Set(finished(b.log)).size).toBe(slow.length);
    expect(results.map((r) => r.key)).toEqual(slow.map(cellKey));
    expect(results.every((r) => r.error === null)).toBe(true);
    expect(json(results)).toBe(json(await runMatrix(slow, { workers: 0, model: null })));
  });

  it("resumes after a coordinator restart, re-running nothing finished", async () => {
    const q = newQueue();
    const address = parseQueueAddress(q);
    // the first coordinator stops waiting at its first result (if it still waits by then);
    // its jobs stay on the queue, and the worker runs them all and stops
    const stop = new AbortController();
    const first = runOnQueue(small, address, {
      model: null,
      onResult: () => stop.abort(),
      signal: stop.signal,
    });
    const w = worker(q, "--until-empty");
    await first.catch(() => null);
    expect(await w.exited).toBe(0);
    // with no worker left, a restarted coordinator takes every result from the queue
    const t0 = performance.now();
    const again = await runOnQueue(small, address, { model: null });
    expect(json(again)).toBe(local);
    expect(performance.now() - t0).toBeLessThan(10_000);
    // and every job ran exactly once
    const ran = finished(w.log);
    expect(new Set(ran).size).toBe(ran.length);
    const queue = new Queue(address.name, { connection: { host: address.host, port: address.port } });
    try {
      const jobs = await queue.getJobs(["completed", "failed", "waiting", "active", "delayed"]);
      expect(jobs.map((j) => j.id).sort()).toEqual([...ran].sort());
      for (const j of jobs) expect(j.attemptsStarted).toBe(1);
    } finally {
      await queue.close();
    }
  });
});
