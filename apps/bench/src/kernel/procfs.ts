import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";

/** Clock ticks per second of /proc's CPU times (`getconf CLK_TCK`; 100 when unknown). */
export function clockTicks(): number {
  try {
    const v = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
    return Number.isFinite(v) && v > 0 ? v : 100;
  } catch {
    return 100;
  }
}

/** The fields of /proc/<pid>/stat after the command name (field 3, `state`, is index 0). */
function statFields(pid: number): string[] | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    return text.slice(text.lastIndexOf(")") + 2).split(" ");
  } catch {
    return null;
  }
}

/** utime + stime of a process, in clock ticks; null when it is gone. */
export function cpuTicks(pid: number): number | null {
  const f = statFields(pid);
  return f ? Number(f[11]) + Number(f[12]) : null;
}

/** utime + stime + cutime + cstime (the process and its reaped children), in clock ticks. */
export function cpuTicksWithChildren(pid: number): number | null {
  const f = statFields(pid);
  return f ? Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]) : null;
}

/** The process group of a process, or null when it is gone. */
export function processGroup(pid: number): number | null {
  const f = statFields(pid);
  return f ? Number(f[2]) : null;
}

/** Pids of every process. */
export function pids(): number[] {
  return readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .map(Number);
}

/** The pid of the kernel thread named `ksmd`, or null. */
export function ksmdPid(): number | null {
  for (const pid of pids()) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "ksmd") return pid;
    } catch {
      // gone meanwhile
    }
  }
  return null;
}

/** Busy CPU time of the whole machine (all but idle and iowait), in clock ticks. */
export function machineBusyTicks(): number {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0]!;
  const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
  return user! + nice! + system! + irq! + softirq! + (steal ?? 0);
}

/** A counter of /sys/kernel/mm/ksm, or null when it cannot be read. */
export function ksmCounter(name: string): number | null {
  try {
    return Number(readFileSync(`/sys/kernel/mm/ksm/${name}`, "utf8").trim());
  } catch {
    return null;
  }
}

/**
 * Processes other than `exceptGroup`'s that use KSM now or are another ksm_oracle.py (the
 * rule of tools/difftest): while one runs, the kernel's counters and ksmd's time are not ours.
 */
export function foreignKsmUsers(exceptGroup: number | null = null): { pid: number; cmd: string }[] {
  const out: { pid: number; cmd: string }[] = [];
  for (const pid of pids()) {
    if (pid === process.pid) continue;
    try {
      if (exceptGroup !== null && processGroup(pid) === exceptGroup) continue;
      const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      const cmd = argv.join(" ").trim();
      // a Python running the oracle (not a `flock … ksm_oracle.py` still queued for the lock)
      let user = /python[\d.]*$/.test(argv[0] ?? "") && argv.some((a) => a.endsWith("ksm_oracle.py"));
      if (!user && existsSync(`/proc/${pid}/ksm_stat`)) {
        const st = readFileSync(`/proc/${pid}/ksm_stat`, "utf8");
        user = /ksm_mergeable:?\s+yes/.test(st) || /ksm_rmap_items:?\s+[1-9]/.test(st);
      }
      if (user) out.push({ pid, cmd: cmd.slice(0, 80) });
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return out;
}
