import { NIL } from "@ksm/contracts";
import type { FrameTable, Pfn } from "@ksm/mm";
import type { StableNodes } from "./stable-node.js";
import type { StableTree } from "./stable-tree.js";

/**
 * `folio_migrate_ksm`: a KSM page moved to frame `newPfn` (migration, compaction); its
 * stable node follows it. (A node whose page now sits on another NUMA node is noticed by
 * the scan and moves to its new node's tree: {@link StableTree.queueMigrated}.)
 */
export function folioMigrateKsm(frames: FrameTable, nodes: StableNodes, oldPfn: Pfn, newPfn: Pfn): void {
  const node = frames.ksmNode[oldPfn]!;
  frames.ksmNode[newPfn] = node;
  frames.ksmNode[oldPfn] = NIL;
  if (node !== NIL) nodes.setKpfn(node, newPfn);
}

/**
 * Memory hot-remove (`ksm_check_stable_tree`): stable nodes whose page is in an offlined
 * frame are pruned without touching their pages, and chains left without dups freed.
 */
export function ksmCheckStableTree(
  nodes: StableNodes,
  stable: StableTree,
  offlined: (pfn: Pfn) => boolean,
): void {
  for (let node = 0; node < nodes.hlist.length; node++)
    if (nodes.where[node] && !nodes.isChain(node) && offlined(nodes.kpfn(node))) stable.removeNode(node);
  stable.chains.freeEmpty();
}
