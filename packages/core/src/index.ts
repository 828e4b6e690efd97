export {
  type AdvisorContext,
  type CpuModel,
  cpuTimeNs,
  DEFAULT_CPU_MODEL,
  scanTimeAdvisor,
} from "./advisor.js";
export { PAGE_REASONS, PageExplainer, type PageReason } from "./explain.js";
export {
  DEFAULT_KNOBS,
  describe as describeKnob,
  isKnobName,
  KNOB_RULES,
  type KnobName,
  type Knobs,
  parseKnob,
} from "./knobs.js";
export { Ksm, type KsmOptions } from "./ksm.js";
export { KERNEL_HZ, ksmdSleepMs, ksmdWakeMs, msecsToJiffies } from "./ksmd-sleep.js";
export type { KsmStat, MmSlot } from "./mm-slot.js";
export { LINUX_2_6_32, LINUX_6_18, PROFILES } from "./profile.js";
export type { ScanReplay } from "./scan-replay.js";
export { type KsmCounters, RMAP_ITEM_SIZE } from "./sysfs.js";
