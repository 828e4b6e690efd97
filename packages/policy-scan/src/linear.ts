import type { ScanPolicy } from "@ksm/contracts";

const never = () => false;

/**
 * Every page of every mergeable VMA at every full scan, in list and address order, never
 * skipping one: ksmd as it was from 2.6.32 to 6.6, and 6.7+ with `smart_scan` = 0. Its
 * `skipPage` says no to every page, so the `smart_scan` knob has no effect under it.
 */
export function linearScan(): ScanPolicy {
  return { name: "linear", skipPage: never };
}
