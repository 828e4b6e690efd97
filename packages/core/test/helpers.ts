import type { ChecksumPolicy } from "@ksm/contracts";
import { Machine, type Mm } from "@ksm/mm";
import { rbtreeIndex } from "@ksm/policy-index";
import { Ksm } from "../src/index.js";

/** FNV-1a over the page: the core does not care which checksum, only that it is one. */
export const checksum: ChecksumPolicy = {
  name: "fnv1a",
  checksum(page) {
    let h = 0x811c9dc5;
    for (let i = 0; i < page.length; i++) h = Math.imul(h ^ page[i]!, 0x01000193);
    return h >>> 0;
  },
};

/** A machine with KSM, knobs set, ksmd ready to be stepped. */
export function setup(knobs: Record<string, number> = {}) {
  const machine = new Machine();
  const ksm = new Ksm({ machine, checksum, index: rbtreeIndex });
  for (const [k, v] of Object.entries({ smart_scan: 0, pages_to_scan: 1_000_000, ...knobs }))
    expect0(ksm.writeKnob(k as never, v));
  ksm.writeKnob("run", 1);
  return { machine, ksm };
}

function expect0(err: number) {
  if (err !== 0) throw new Error(`knob write failed: ${err}`);
}

/** A mergeable region of `pages`, page i holding pattern seed `seeds[i]` (null: untouched). */
export function region(machine: Machine, mm: Mm, seeds: (number | null)[]) {
  const vma = machine.mmap(mm, seeds.length);
  seeds.forEach((s, i) => {
    if (s !== null) machine.write(mm, vma.start + i, machine.contents.pattern(BigInt(s)));
  });
  machine.madvise(mm, vma.start, vma.end, "mergeable");
  return vma;
}

/** One mm with a mergeable region of `seeds` (see {@link region}), after two full scans: merged as far as it goes. */
export function merged(seeds: (number | null)[], knobs: Record<string, number> = {}) {
  const { machine, ksm } = setup(knobs);
  const mm = machine.createMm();
  const vma = region(machine, mm, seeds);
  ksm.fullScans(2);
  return { machine, ksm, mm, vma };
}
