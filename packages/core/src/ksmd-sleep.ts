/**
 * The tick rate (CONFIG_HZ) of the kernel the model stands in for: Linux 6.18 as built on
 * the project's machine (`/proc/config.gz`: `CONFIG_HZ=250`, one jiffy = 4 ms; jiffies
 * counted in /proc/timer_list advance 250 a second), also the x86-64 defconfig's.
 */
export const KERNEL_HZ = 250;

/**
 * `msecs_to_jiffies`: `ms` (a whole number, as `sleep_millisecs` is) as whole jiffies,
 * rounded up (10 ms at HZ 250 is 3 jiffies); 0 stays 0.
 */
export function msecsToJiffies(ms: number, hz: number = KERNEL_HZ): number {
  return Math.floor((ms * hz + 999) / 1000);
}

/**
 * How long ksmd's sleep of `sleepMs` lasts when it starts just after a tick (ksmd wakes on
 * one and its batch is short): `msecs_to_jiffies` jiffies and one more (see
 * {@link ksmdWakeMs}), ms; 0 for no sleep. At HZ 250: 8 ms for 1, 16 for 10, 24 for 20.
 */
export function ksmdSleepMs(sleepMs: number, hz: number = KERNEL_HZ): number {
  return ksmdWakeMs(0, sleepMs, hz);
}

/**
 * When ksmd wakes from its sleep between batches, started at `nowMs` (simulated, with a
 * tick at every multiple of 1000 / `hz` ms since 0). ksm_scan_thread sleeps with
 * `wait_event_freezable_timeout(…, msecs_to_jiffies(sleep_millisecs))`: a timer due
 * `msecs_to_jiffies` ticks after the current jiffy, which the timer wheel fires one tick
 * later still (a level-0 timer goes in the bucket after its expiry, so that one armed just
 * before a tick never fires early). So the wake-up lands on a tick, and a batch's CPU time
 * inside a jiffy is hidden in the sleep. A sleep of 0 jiffies does not wait at all
 * (`sleep_millisecs` 0: batch after batch).
 */
export function ksmdWakeMs(nowMs: number, sleepMs: number, hz: number = KERNEL_HZ): number {
  const jiffies = msecsToJiffies(sleepMs, hz);
  if (jiffies === 0) return nowMs;
  const tick = Math.floor((nowMs * hz) / 1000 + 1e-9);
  return ((tick + jiffies + 1) * 1000) / hz;
}
