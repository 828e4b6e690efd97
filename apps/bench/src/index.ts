export { type Args, parseArgs, parseSeeds, UsageError } from "./args.js";
export { type BestSaving, bestSaving, bestSavingAtReports } from "./best-saving.js";
export {
  type CellResult,
  type CellSpec,
  cellKey,
  cellScenario,
  failedCell,
  runCell,
  variantLabel,
} from "./cell.js";
export { configKey, configKeys, type ResolvedConfig, resolveConfig } from "./config.js";
export { COST_FIELDS, type CostCounters, recordCost } from "./cost.js";
export {
  CALIBRATION_FILE,
  type Calibration,
  type CalibrationSample,
  type CostField,
  type CostModel,
  estimateKsmdSeconds,
  fitCostModel,
  loadCalibration,
} from "./cost-model.js";
export { type OracleRun, oracleUnavailable, runOracle } from "./kernel/oracle.js";
export { machineInfo } from "./machine.js";
export {
  DEFAULT_SEEDS,
  type DistinctRuns,
  distinctRuns,
  fanOut,
  type MatrixPlan,
  type MatrixRunOptions,
  planMatrix,
  policyChoices,
  runMatrix,
} from "./matrix.js";
export {
  finalCost,
  PAGE_SIZE,
  reportAtFraction,
  type SavingMetrics,
  SCAN_FRACTIONS,
  savingMetrics,
  scansToFraction,
  secondsToFraction,
} from "./metrics.js";
export { CellThreads, runCells } from "./pool.js";
export { Rng } from "./prng.js";
export { Progress } from "./progress.js";
export {
  type CellJob,
  checkReachable,
  jobId,
  parseQueueAddress,
  type QueueAddress,
  type QueueRunOptions,
  type QueueWorkerOptions,
  runOnQueue,
  runQueueWorker,
} from "./queue.js";
export { freePort, type OwnRedis, startRedisServer } from "./redis-server.js";
export { type Chart, chartGroups, charts, panels, paretoFrontier, paretoLists } from "./report/charts.js";
export { csvField, toCsv } from "./report/csv.js";
export { formatJson } from "./report/json.js";
export { mdCell, mdTable } from "./report/markdown.js";
export {
  fmtDifference,
  fmtEstimate,
  groupKey,
  outcome,
  SUMMARY_METRICS,
  type SummaryMetric,
  type SummaryRow,
  summarise,
} from "./report/summary.js";
export {
  axisRange,
  type ChartSeries,
  type ChartSpec,
  escapeXml,
  lineChart,
  MAX_SERIES,
  niceTicks,
  PALETTE,
  scatterChart,
  seriesLook,
} from "./report/svg.js";
export { differenceTable, noEffectList, type ReportTable, summaryTable } from "./report/tables.js";
export {
  type ReportFiles,
  type RunInfo,
  reportFiles,
  resultsCsv,
  seriesCsv,
  summaryMarkdown,
  writeReport,
} from "./report/write.js";
export { type BenchIo, runBenchCli } from "./run-cli.js";
export { isReport, type SeriesPoint, toSeries, visitedPages } from "./series.js";
export { type PaceKnobs, paceAtReports, simulatedSeconds } from "./sim-time.js";
export {
  type Estimate,
  estimate,
  excludesZero,
  pairedDifference,
  studentTCdf,
  studentTQuantile,
} from "./stats.js";
export {
  CAL_SPEED_TARGET,
  type CalSimRun,
  type CalSpeedResult,
  type CalSpeedRow,
  calScenario,
  KSM_SIM_CLI,
  runCalSpeed,
} from "./targets/cal-speed.js";
export * from "./workloads/index.js";
