export { AdaptiveScan, type AdaptiveScanOptions, type AdaptiveVmaState, adaptiveScan } from "./adaptive.js";
export { linearScan } from "./linear.js";
export { plugin, plugin as default } from "./plugin.js";
export { type RandomScanOptions, randomScan } from "./random.js";
export { skipAge, smartScan, smartScanSkip } from "./smart.js";
