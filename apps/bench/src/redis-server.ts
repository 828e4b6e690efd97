import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { checkReachable, parseQueueAddress } from "./queue.js";

/** A free TCP port on 127.0.0.1 (free when asked; take it soon). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** A redis-server this process started: its base URL (redis://127.0.0.1:PORT) and process. */
export interface OwnRedis {
  readonly url: string;
  readonly proc: ChildProcess;
}

/**
 * Starts a throwaway `redis-server` on 127.0.0.1 and a free port, without persistence,
 * and waits until it answers (at most `timeoutMs`); kill its `proc` to stop it. Throws,
 * saying why, when it is not installed or does not start.
 */
export async function startRedisServer(timeoutMs = 10_000): Promise<OwnRedis> {
  const port = await freePort();
  const proc = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    {
      stdio: "ignore",
    },
  );
  const url = `redis://127.0.0.1:${port}`;
  let failed: string | null = null;
  proc.once("error", (e: NodeJS.ErrnoException) => {
    failed = e.code === "ENOENT" ? "redis-server is not installed (apt-get install redis-server)" : e.message;
  });
  proc.once("exit", (code) => {
    failed ??= `redis-server exited with code ${code}`;
  });
  const t0 = Date.now();
  for (;;) {
    if (failed) throw new Error(failed);
    try {
      await checkReachable(parseQueueAddress(url), "redis-server", 200);
      return { url, proc };
    } catch {
      if (Date.now() - t0 > timeoutMs) {
        proc.kill();
        throw new Error(`redis-server did not answer on port ${port} within ${timeoutMs} ms`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
