// What the capture tools (live-check, capture-oracle) share.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The machine-wide lock every user of the real KSM takes (ksm_oracle.py's users, tools/difftest). */
export const KSM_LOCK = "/tmp/ksm-oracle.lock";

/**
 * Returns at once inside {@link KSM_LOCK}; otherwise runs the script (`scriptUrl`, its
 * `import.meta.url`) again under `flock KSM_LOCK` with `args` and exits with its status.
 */
export function holdKsmLock(scriptUrl, args) {
  // biome-ignore lint/suspicious/noUndeclaredEnvVars: set below, when the script runs itself again under flock
  if (process.env.KSM_ORACLE_LOCKED) return;
  const r = spawnSync("flock", [KSM_LOCK, process.execPath, fileURLToPath(scriptUrl), ...args], {
    stdio: "inherit",
    env: { ...process.env, KSM_ORACLE_LOCKED: "1" },
  });
  process.exit(r.status ?? 1);
}

/** Exits with 77 and `TAG: why` unless every [ok, why] check holds. */
export function requireMachine(tag, checks) {
  for (const [ok, why] of checks)
    if (!ok) {
      console.error(`${tag}: ${why}`);
      process.exit(77);
    }
}

/** Runs the built `ksm-sim run FILE --jsonl` and returns its records; exits 1 if it fails. */
export function simulatorRecords(root, file, tag) {
  const sim = spawnSync(process.execPath, [join(root, "apps/ksm-sim/dist/cli.js"), "run", file, "--jsonl"], {
    encoding: "utf8",
    maxBuffer: 1 << 28,
  });
  if (sim.status !== 0) {
    console.error(`${tag}: ksm-sim run failed: ${sim.stderr.trim()}`);
    process.exit(1);
  }
  return sim.stdout
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}
