// What the capture tools (live-check, capture-oracle) share.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

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

/**
 * A tool's command line, before it touches anything: `options` as node:util's `parseArgs`
 * takes them, strict (an unknown flag or a flag without its value is an error), with at most
 * `positionals` arguments besides. `--help` or `-h` prints `usage` and exits 0; a bad command
 * line exits 2 through {@link usageError}. Returns parseArgs' `values` and `positionals`.
 */
export function toolArgs(tag, usage, options, positionals = 0) {
  const argv = process.argv.slice(2);
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    const flag = /'(-[^' ]+)/.exec(e.message)?.[1] ?? "";
    usageError(
      tag,
      usage,
      e.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION"
        ? `unknown flag ${flag}; expected one of ${Object.keys(options)
            .map((o) => `--${o}`)
            .join(", ")}`
        : e.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && options[flag.slice(2)]?.type === "string"
          ? `${flag} needs a value${argv[argv.indexOf(flag) + 1]?.startsWith("-") ? ` (one that starts with "-" is written ${flag}=VALUE)` : ""}`
          : e.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE"
            ? `${flag} takes no value`
            : e.message,
    );
  }
  if (parsed.positionals.length > positionals)
    usageError(tag, usage, `unexpected argument "${parsed.positionals[positionals]}"`);
  return parsed;
}

/** Exits with 2 and `TAG: what` and the usage: the command line was wrong. */
export function usageError(tag, usage, what) {
  console.error(`${tag}: ${what}; ${usage}`);
  process.exit(2);
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
