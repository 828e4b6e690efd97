import { NO_PFN } from "@ksm/mm";
import { describe, expect, it } from "vitest";
import { IN_TREE, IS_DUP } from "../src/stable-node.js";
import { merged } from "./helpers.js";

describe("StableTree", () => {
  it("finds the KSM page of a content, a KSM page itself, and nothing for another content", () => {
    const { machine, ksm, mm, vma } = merged([3, 3]);
    const kpfn = mm.pt.pfn(vma.start);
    const other = machine.createMm();
    const copy = machine.mmap(other, 2);
    machine.write(other, copy.start, machine.contents.pattern(3n));
    machine.write(other, copy.start + 1, machine.contents.pattern(4n));
    expect(ksm.stable.search(other.pt.pfn(copy.start))).toBe(kpfn);
    expect(ksm.stable.search(kpfn)).toBe(kpfn);
    expect(ksm.stable.search(other.pt.pfn(copy.start + 1))).toBe(NO_PFN);
  });

  it("inserts a second KSM page of a taken content as a dup, making the node a chain", () => {
    const { machine, ksm, mm, vma } = merged([3, 3]);
    const first = machine.frames.ksmNode[mm.pt.pfn(vma.start)]!;
    const other = machine.createMm();
    const copy = machine.mmap(other, 1);
    machine.write(other, copy.start, machine.contents.pattern(3n));
    const pfn = other.pt.pfn(copy.start);
    const node = ksm.stable.insert(pfn);
    expect(machine.frames.ksmNode[pfn]).toBe(node);
    expect(ksm.nodes.where[node]).toBe(IS_DUP);
    expect(ksm.nodes.where[first]).toBe(IS_DUP);
    expect(ksm.nodes.chainOf[node]).toBe(ksm.nodes.chainOf[first]);
    expect(ksm.nodes.isChain(ksm.nodes.chainOf[node]!)).toBe(true);
    expect(ksm.counters()).toMatchObject({ stable_node_chains: 1, stable_node_dups: 2 });
  });

  it("counts the first mapping appended as shared and the others as sharing, and undoes it on removal", () => {
    const { machine, ksm, mm, vma } = merged([6, 6, 6]);
    expect(ksm.counters()).toMatchObject({ pages_shared: 1, pages_sharing: 2 });
    const item = ksm.rmapItems(mm)[0]!;
    ksm.stable.removeItem(item);
    expect(ksm.counters()).toMatchObject({ pages_shared: 1, pages_sharing: 1 });
    expect(ksm.stat(mm).ksm_merging_pages).toBe(2);
    const node = machine.frames.ksmNode[mm.pt.pfn(vma.start)]!;
    ksm.stable.append(item, node);
    expect(ksm.counters()).toMatchObject({ pages_shared: 1, pages_sharing: 2 });
    expect(ksm.nodes.hlist[node]).toBe(item);
  });

  it("finds a node stale once its page is gone, and removes it with its rmap_items", () => {
    const { machine, ksm, mm, vma } = merged([8, 8]);
    const kpfn = mm.pt.pfn(vma.start);
    const node = machine.frames.ksmNode[kpfn]!;
    expect(ksm.stable.ksmGetFolio(node)).toBe(kpfn);
    expect(ksm.nodes.where[node]).toBe(IN_TREE);
    machine.write(mm, vma.start, machine.contents.pattern(1n));
    machine.write(mm, vma.start + 1, machine.contents.pattern(2n));
    expect(ksm.stable.ksmGetFolio(node)).toBe(NO_PFN);
    expect(ksm.nodes.where[node]).toBe(0);
    expect(ksm.counters()).toMatchObject({ pages_shared: 0, pages_sharing: 0 });
    expect(ksm.stat(mm).ksm_merging_pages).toBe(0);
  });
});
