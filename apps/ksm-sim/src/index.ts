// the simulation API moved to @ksm/sim; re-exported for code that imported it from here

export {
  type CapturedVma,
  type CaptureWorkload,
  isCaptureFile,
  loadCapture,
  type TraceStep,
} from "@ksm/capture";
export * from "@ksm/sim";
export { type CliIo, runCli } from "./run-cli.js";
