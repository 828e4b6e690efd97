import type { ScanPolicy } from "@ksm/contracts";

/**
 * Every page of every mergeable VMA at every full scan, in list and address order, never
 * skipping one: ksmd as it was from 2.6.32 to 6.6, and 6.7+ with `smart_scan` = 0. A policy
 * with no hooks: handing it to the core only switches the built-in smart scan off.
 */
export function linearScan(): ScanPolicy {
  return { name: "linear" };
}
