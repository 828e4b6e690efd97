export { type Mapping, Rmap, type RmapWalkControl, type RmapWalker } from "./rmap.js";
