import { clockTicks, machineBusyTicks } from "../kernel/procfs.js";

/**
 * Waits (at most `seconds`) until the rest of the machine is idle, so that a timing is not
 * disturbed by other work: less than 0.3 of a core busy over half a second. Returns why it
 * gave up, or null.
 */
export async function waitIdle(seconds: number, log: (l: string) => void): Promise<string | null> {
  if (process.platform !== "linux") return null;
  const hz = clockTicks();
  const t0 = Date.now();
  let told = false;
  for (;;) {
    const b0 = machineBusyTicks();
    await new Promise((r) => setTimeout(r, 500));
    const load = (machineBusyTicks() - b0) / hz / 0.5;
    if (load <= 0.3) return null;
    if (!told) log(`bench: waiting for the machine to be idle (${load.toFixed(2)} cores busy)`);
    told = true;
    if (Date.now() - t0 > seconds * 1000) {
      log(`bench: the machine stayed busy (${load.toFixed(2)} cores); timing anyway`);
      return `${load.toFixed(2)} cores busy`;
    }
  }
}
