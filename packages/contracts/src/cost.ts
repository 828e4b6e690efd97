/** What a simulation spent, so that variants can be compared (every report carries it). */
export interface CostCounters {
  /** Pages passed to cmp_and_merge_page. */
  pages_scanned: number;
  /** Checksums computed, and the bytes they read. */
  checksums: number;
  bytes_hashed: number;
  /** Page comparisons and the bytes they read (up to the first difference). */
  memcmp_calls: number;
  bytes_compared: number;
  /** Index nodes visited by stable and unstable tree searches. */
  tree_nodes_visited: number;
  /** Pages merged (into a KSM page or the zero page). */
  merges: number;
  /** Copies of KSM pages on write or unshare (`cow_ksm`). */
  cow_breaks: number;
  /** Reverse-map walks of KSM pages. */
  rmap_walks: number;
}

/** A zeroed {@link CostCounters}. */
export function zeroCost(): CostCounters {
  return {
    pages_scanned: 0,
    checksums: 0,
    bytes_hashed: 0,
    memcmp_calls: 0,
    bytes_compared: 0,
    tree_nodes_visited: 0,
    merges: 0,
    cow_breaks: 0,
    rmap_walks: 0,
  };
}
