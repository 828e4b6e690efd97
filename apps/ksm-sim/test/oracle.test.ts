import { execFileSync } from "node:child_process";
import { randomInt } from "node:crypto";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

// The live differential test: fresh random scenarios (tools/difftest: v1, and v2 in batch
// mode with every memory op and THPs; its thp profile, THPs shared by forks; and its big
// profile, tens of thousands of pages) run on this machine's real KSM through the shared
// oracle and on the simulator's CLI. New seeds every run, printed so that a failure can be
// replayed with KSM_ORACLE_SEEDS=A-B (the thp profile takes the first THP_COUNT of them, the
// big one the first BIG_COUNT). It needs root, /sys/kernel/mm/ksm, the oracle beside
// the repo and the built CLI; where any is missing it is skipped, saying why, and the
// recorded kernel runs (fidelity.test.ts) still check the model. scripts/test.mjs runs this
// file after every other one, alone: /proc/vmstat is machine-wide, and busy test workers
// would show in the kernel's thp_split_* counts (difftest records again a run that
// disagrees, and keeps what two of three runs agree on).
const ROOT = resolve(import.meta.dirname, "../../..");
const ORACLE = resolve(ROOT, "../shared/ksm-oracle/ksm_oracle.py");
const DIFFTEST = join(ROOT, "tools/difftest/difftest.py");
const COUNT = 4;
const THP_COUNT = 2;
const BIG_COUNT = 1;

function missing(): string | null {
  if (process.getuid?.() !== 0) return "not root";
  if (!existsSync("/sys/kernel/mm/ksm/run")) return "no /sys/kernel/mm/ksm";
  if (!existsSync(ORACLE)) return `no oracle at ${ORACLE}`;
  if (!existsSync(join(ROOT, "apps/ksm-sim/dist/cli.js"))) return "the CLI is not built (pnpm build)";
  return null;
}

function seeds(): number[] {
  const fixed = process.env.KSM_ORACLE_SEEDS?.match(/^(\d+)-(\d+)$/);
  const [a, b] = fixed ? [Number(fixed[1]), Number(fixed[2])] : [randomInt(1e7, 2 ** 31 - COUNT), 0];
  const last = fixed ? b : a + COUNT - 1;
  return Array.from({ length: last - a + 1 }, (_, i) => a + i);
}

const why = missing();
if (why) console.warn(`oracle.test.ts: live kernel comparison skipped: ${why}`);

describe.skipIf(why !== null)("the simulator against the real kernel, live", () => {
  const list = seeds();
  console.log(
    `oracle.test.ts: live seeds ${list.join(", ")} (replay: KSM_ORACLE_SEEDS=${list[0]}-${list.at(-1)})`,
  );
  const cases = [
    ...list.map((seed) => ["mixed", seed]),
    ...list.slice(0, THP_COUNT).map((seed) => ["thp", seed]),
    ...list.slice(0, BIG_COUNT).map((seed) => ["big", seed]),
  ];
  it.each(cases)(
    "random scenario (%s profile) %i",
    (profile, seed) => {
      // difftest queues on /tmp/ksm-oracle.lock (KSM is global) and waits out other KSM users
      let out: string;
      try {
        const args = [DIFFTEST, "run", "--profile", String(profile), "--from", String(seed), "--count", "1"];
        out = execFileSync("python3", args, {
          cwd: ROOT,
          encoding: "utf8",
          timeout: 900_000,
        });
      } catch (e) {
        out = String((e as { stdout?: string }).stdout ?? e);
      }
      expect(out.trim()).toMatch(/scenarios matched 1\/1$/);
    },
    900_000,
  );
});
