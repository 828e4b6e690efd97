import { type ScanPolicy, smartScanSkip } from "@ksm/contracts";

export { skipAge, smartScanSkip } from "@ksm/contracts";

/**
 * The kernel's smart scan (Linux 6.7+): pages that keep failing to merge are visited less
 * and less often, down to one visit in nine. Chosen explicitly it applies whatever the
 * `smart_scan` knob says; left unchosen, the core runs the same schedule (the same
 * function, `smartScanSkip` of `@ksm/contracts`) when the knob is 1.
 */
export function smartScan(): ScanPolicy {
  return { name: "smart", skipPage: smartScanSkip };
}
