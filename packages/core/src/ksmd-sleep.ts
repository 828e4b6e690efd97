/**
 * The tick rate (CONFIG_HZ) of the kernel the model stands in for: Linux 6.18 as built on
 * the project's machine (`/proc/config.gz`: `CONFIG_HZ=250`, one jiffy = 4 ms), also the
 * default of x86-64 defconfig.
 */
export const KERNEL_HZ = 250;

/**
 * `msecs_to_jiffies`: `ms` (a whole number, as `sleep_millisecs` is) as whole jiffies,
 * rounded up (10 ms at HZ 250 is 3 jiffies, 12 ms); 0 stays 0.
 */
export function msecsToJiffies(ms: number, hz: number = KERNEL_HZ): number {
  return Math.floor((ms * hz + 999) / 1000);
}

/** How long ksmd's sleep of `sleepMs` lasts when it starts on a tick: whole jiffies, ms. */
export function ksmdSleepMs(sleepMs: number, hz: number = KERNEL_HZ): number {
  return (msecsToJiffies(sleepMs, hz) * 1000) / hz;
}

/**
 * When ksmd wakes from its sleep between batches, started at `nowMs` (simulated, with a
 * tick at every multiple of 1000 / `hz` ms since 0): ksm_scan_thread sleeps with
 * `wait_event_freezable_timeout(…, msecs_to_jiffies(sleep_millisecs))`, a timer that
 * expires `msecs_to_jiffies` ticks after the tick the sleep began in, so the wake-up lands
 * on a tick and a batch's CPU time inside a jiffy is hidden in the sleep. A sleep of 0
 * jiffies does not wait at all (`sleep_millisecs` 0: batch after batch).
 */
export function ksmdWakeMs(nowMs: number, sleepMs: number, hz: number = KERNEL_HZ): number {
  const jiffies = msecsToJiffies(sleepMs, hz);
  if (jiffies === 0) return nowMs;
  const tick = Math.floor((nowMs * hz) / 1000 + 1e-9);
  return ((tick + jiffies) * 1000) / hz;
}
