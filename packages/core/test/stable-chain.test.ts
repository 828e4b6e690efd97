import { NIL } from "@ksm/contracts";
import { type Machine, type Mm, NO_PFN, type Pfn } from "@ksm/mm";
import { describe, expect, it } from "vitest";
import type { Ksm } from "../src/index.js";
import { IN_TREE } from "../src/stable-node.js";
import { merged } from "./helpers.js";

/** The stable-tree nodes that are chains. */
function chainsOf(ksm: Ksm): number[] {
  const sn = ksm.nodes;
  const out: number[] = [];
  for (let node = 0; node < sn.hlist.length; node++)
    if (sn.where[node] === IN_TREE && sn.isChain(node)) out.push(node);
  return out;
}

/** Addresses of `mm` in [start, end) grouped by the KSM page they map. */
function byKsmPage(machine: Machine, mm: Mm, start: number, end: number): Map<Pfn, number[]> {
  const out = new Map<Pfn, number[]>();
  for (let a = start; a < end; a++) {
    const pfn = mm.pt.pfn(a);
    if (!machine.frames.isKsm(pfn)) continue;
    out.set(pfn, [...(out.get(pfn) ?? []), a]);
  }
  return out;
}

describe("StableChains", () => {
  it("resolves a regular node to itself, in the one result object every call reuses", () => {
    const { machine, ksm, mm, vma } = merged([4, 4]);
    const kpfn = mm.pt.pfn(vma.start);
    const node = machine.frames.ksmNode[kpfn]!;
    const r = ksm.stable.chains.chain(node, true);
    expect(r).toMatchObject({ folio: kpfn, dup: node, node });
    expect(ksm.stable.chains.chain(node, false)).toBe(r);
  });

  it("prunes a stale dup, and collapses the chain into the one dup left", () => {
    const { machine, ksm, mm, vma } = merged([9, 9, 9, 9], {
      max_page_sharing: 2,
      stable_node_chains_prune_millisecs: 0,
    });
    expect(ksm.counters()).toMatchObject({ stable_node_chains: 1, stable_node_dups: 2, pages_shared: 2 });
    const [chain] = chainsOf(ksm);
    const pages = [...byKsmPage(machine, mm, vma.start, vma.end)];
    expect(pages).toHaveLength(2);
    const [[stalePfn, staleAddrs], [livePfn]] = pages as [[Pfn, number[]], [Pfn, number[]]];
    const staleDup = machine.frames.ksmNode[stalePfn]!;
    const liveDup = machine.frames.ksmNode[livePfn]!;
    // every mapping of one dup's page written over: its KSM page is gone
    for (const a of staleAddrs) machine.write(mm, a, machine.contents.pattern(1n));
    const r = ksm.stable.chains.chain(chain!, true);
    expect(r.folio).toBe(livePfn);
    expect(r.dup).toBe(liveDup);
    expect(r.node).toBe(liveDup); // the chain collapsed: the dup is the tree's node now
    expect(ksm.nodes.where[staleDup]).toBe(0);
    expect(ksm.nodes.where[liveDup]).toBe(IN_TREE);
    expect(ksm.counters()).toMatchObject({ stable_node_chains: 0, stable_node_dups: 0, pages_shared: 1 });
  });

  it("frees a chain none of whose dups is left, and says so with NO_PFN", () => {
    const { machine, ksm, mm, vma } = merged([9, 9, 9, 9], {
      max_page_sharing: 2,
      stable_node_chains_prune_millisecs: 0,
    });
    const [chain] = chainsOf(ksm);
    for (let a = vma.start; a < vma.end; a++) machine.write(mm, a, machine.contents.pattern(BigInt(100 + a)));
    const r = ksm.stable.chains.chain(chain!, true);
    expect(r.folio).toBe(NO_PFN);
    expect(r.dup).toBe(NIL);
    expect(chainsOf(ksm)).toEqual([]);
    expect(ksm.counters()).toMatchObject({ stable_node_chains: 0, stable_node_dups: 0, pages_shared: 0 });
  });

  it("takes a node as a sharing candidate only while it has room under max_page_sharing", () => {
    const { machine, ksm, mm, vma } = merged([5, 5], { max_page_sharing: 3 });
    const node = machine.frames.ksmNode[mm.pt.pfn(vma.start)]!;
    const chains = ksm.stable.chains;
    expect(ksm.nodes.rmapHlistLen[node]).toBe(2);
    expect(chains.isPageSharingCandidate(node, 0)).toBe(true);
    expect(chains.isPageSharingCandidate(node, 1)).toBe(false);
    expect(chains.sharingLimit).toBe(3);
  });
});
