/** No node. */
export const NIL = -1;
/** `find` stopped because `visit` asked it to (`ABORT`): there is no insertion point. */
export const ABORTED = -2;
/** `visit` result: the index changed under the walk (a stale node went away); start again. */
export const RESTART = 2;
/** `visit` result: give up the walk without an insertion point. */
export const ABORT = 3;

/**
 * What KSM keeps its stable and unstable trees in: an index of integer node handles keyed
 * by page content, with one root per NUMA node. The index never sees contents: the caller's
 * `visit(node)` compares the probe with a node (memcmp sign: negative when the probe sorts
 * first), and may change the index (prune, collapse a chain) before answering.
 *
 * Variants differ in cost and in which nodes a search visits, never in what "equal" means.
 */
export interface ContentIndex {
  /** Name, as the CLI spells it. */
  readonly name: string;
  /** Nodes visited by `find` so far (a cost counter). */
  visited: number;
  /** Bytes the index itself read to hash page contents so far (a cost counter; 0 for ordered indexes). */
  hashedBytes?: number;
  /**
   * False for an index that keeps no memcmp order (a hash): its searches never walk over
   * the nodes of other contents, so the kernel's lazy freeing of a chain whose dups all
   * went stale (done by whichever search walks over it) cannot happen; the core frees such
   * chains at the end of each full scan instead. Default true.
   */
  readonly ordered?: boolean;
  /**
   * True when, after a `reset`, the index's answers, its visits and the nodes' places depend
   * only on the calls made since: no state such as a random generator or a table size
   * carries over from before the reset. The core may then skip a full scan that would
   * repeat the previous one exactly, adding the previous scan's visits instead of walking
   * (see `@ksm/core`'s scan-replay). Default false: every scan is walked.
   */
  readonly replayable?: boolean;
  /** Makes room for node handles below `n`. */
  ensure(n: number): void;
  /**
   * Looks for a node equal to the probe in root `r`. `key` is the probe's content key (an
   * exact content hash; ordered indexes ignore it). Returns the equal node; or NIL, with the
   * insertion point remembered for {@link insertHere}; or ABORTED.
   * A node that `visit` replaced (see {@link replace}) is walked on through its replacement.
   */
  find(r: number, key: number, visit: (node: number) => number): number;
  /** Links `node` (content key `key`) where the last `find` in root `r` returned NIL. */
  insertHere(r: number, node: number, key: number): void;
  /** Unlinks `node`. */
  erase(r: number, node: number): void;
  /** `repl` takes `victim`'s place (same content). */
  replace(r: number, victim: number, repl: number): void;
  /** Empties root `r` without visiting its nodes (the unstable tree's per-scan reset). */
  reset(r: number): void;
  /** Any node of root `r`, or NIL when empty (to drain an index). */
  any(r: number): number;
}

/** Makes a {@link ContentIndex}. */
export interface ContentIndexFactory {
  readonly name: string;
  /** One line for `ksm-sim policies`. */
  readonly description: string;
  create(roots: number): ContentIndex;
}
