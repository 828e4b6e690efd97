export type { AnonMapping } from "./anon-vma.js";
export {
  type ContentId,
  ContentStore,
  KEY_EXACT,
  KEY_PREFIX,
  NO_KEY,
  PAGE_SIZE,
  type Poke,
  SPARSE_MAX,
  UNIQUE_BASE,
  ZERO_CONTENT,
} from "./content.js";
export * from "./frames.js";
export * from "./hooks.js";
export { LargeMapcounts } from "./large-mapcount.js";
export { Machine, type MachineOptions, type MmapOptions } from "./machine.js";
export { MMF_VM_MERGE_ANY, MMF_VM_MERGEABLE, Mm } from "./mm.js";
export * from "./page-table.js";
export { splitmix64, splitmix64Halves, unsplitmix64 } from "./splitmix.js";
export { NO_SLOT, SwapDevice } from "./swap.js";
export { grown, type TypedColumn } from "./typed-store.js";
export * from "./vma.js";
