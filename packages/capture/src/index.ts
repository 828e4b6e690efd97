export { type CaptureOptions, type CaptureSummary, captureProcesses } from "./capture.js";
export {
  CAPTURE_PAGE_SIZE,
  CaptureError,
  type CaptureEvent,
  type CaptureHeader,
  type CaptureTotals,
  type ContentsMode,
  FORMAT_VERSION,
  MAX_RUN_PAGES,
  type PageRun,
  type ProcessInfo,
  type SnapshotInfo,
  type VmaInfo,
  type VmaPageCounts,
} from "./format.js";
export { launchMergeable, MERGE_EXEC_SOURCE, mergeExecHelper } from "./launch.js";
export { createPageHasher, HashIds, type PageHasher } from "./page-hash.js";
export { readCapture, readCaptureSync } from "./reader.js";
export {
  type CapturedVma,
  type CaptureWorkload,
  isCaptureFile,
  loadCapture,
  loadCaptureSync,
  type TraceStep,
} from "./scenario.js";
export { KSM_INCOMPATIBLE_FLAGS, ksmIncompatibility, parseSmaps, type SmapsVma } from "./vma-rules.js";
export { CaptureWriter } from "./writer.js";
