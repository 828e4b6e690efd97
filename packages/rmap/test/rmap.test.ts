import {
  Machine,
  type Mm,
  type Pfn,
  PTE_PRESENT,
  PTE_SPECIAL,
  PTE_SWAP,
  PTE_YOUNG,
  ZERO_CONTENT,
} from "@ksm/mm";
import { type Mapping, Rmap } from "@ksm/rmap";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

/** A process with one page written, forked once. */
function forked(pages = 2) {
  const m = new Machine();
  const rmap = new Rmap(m);
  const parent = m.createMm();
  const vma = m.mmap(parent, pages);
  const a = m.contents.pattern(1n);
  for (let i = 0; i < pages; i++) m.write(parent, vma.start + i, a);
  const pfn = parent.pt.pfn(vma.start);
  const child = m.fork(parent);
  return { m, rmap, parent, child, vma, pfn, a };
}

const where = (ms: Mapping[]) => ms.map((x) => [x.mm.id, x.vpn]).sort((p, q) => p[0]! - q[0]!);

describe("mappings()", () => {
  it("a page written before fork maps in parent and child", () => {
    const { rmap, parent, child, vma, pfn } = forked();
    const ms = rmap.mappings(pfn);
    expect(where(ms)).toEqual([
      [parent.id, vma.start],
      [child.id, vma.start],
    ]);
    for (const x of ms) {
      expect(x.vma.mmId).toBe(x.mm.id);
      expect(x.vpn >= x.vma.start && x.vpn < x.vma.end).toBe(true);
      expect(rmap.maps(x.mm, x.vpn, pfn)).toBe(true);
    }
  });

  it("a private page maps once", () => {
    const m = new Machine();
    const rmap = new Rmap(m);
    const mm = m.createMm();
    const vma = m.mmap(mm, 1);
    m.write(mm, vma.start, m.contents.pattern(2n));
    expect(where(rmap.mappings(mm.pt.pfn(vma.start)))).toEqual([[mm.id, vma.start]]);
  });

  it("after the child writes, the old frame maps only in the parent, the copy only in the child", () => {
    const { m, rmap, parent, child, vma, pfn } = forked();
    m.write(child, vma.start, m.contents.pattern(3n));
    const copy = child.pt.pfn(vma.start);
    expect(copy).not.toBe(pfn);
    expect(where(rmap.mappings(pfn))).toEqual([[parent.id, vma.start]]);
    expect(where(rmap.mappings(copy))).toEqual([[child.id, vma.start]]);
    // The other page is still shared.
    expect(rmap.mappings(parent.pt.pfn(vma.start + 1))).toHaveLength(2);
  });

  it("after the parent writes, the old frame maps only in the child", () => {
    const { m, rmap, parent, child, vma, pfn } = forked();
    m.write(parent, vma.start, m.contents.pattern(4n));
    expect(where(rmap.mappings(pfn))).toEqual([[child.id, vma.start]]);
    expect(where(rmap.mappings(parent.pt.pfn(vma.start)))).toEqual([[parent.id, vma.start]]);
  });

  it("grandchildren are found through the root anon_vma, exited processes are not", () => {
    const { m, rmap, parent, child, vma, pfn } = forked();
    const grandchild = m.fork(child);
    expect(where(rmap.mappings(pfn))).toEqual([
      [parent.id, vma.start],
      [child.id, vma.start],
      [grandchild.id, vma.start],
    ]);
    // A page the child copied is shared with the grandchild only after another fork.
    m.write(child, vma.start + 1, m.contents.pattern(5n));
    const copy = child.pt.pfn(vma.start + 1);
    const ggc = m.fork(child);
    expect(where(rmap.mappings(copy))).toEqual([
      [child.id, vma.start + 1],
      [ggc.id, vma.start + 1],
    ]);
    m.exit(child);
    // ggc was forked from the child, so it maps the first page too.
    expect(where(rmap.mappings(pfn))).toEqual([
      [parent.id, vma.start],
      [grandchild.id, vma.start],
      [ggc.id, vma.start],
    ]);
    expect(where(rmap.mappings(copy))).toEqual([[ggc.id, vma.start + 1]]);
  });

  it("follows split VMAs and forgets unmapped ranges", () => {
    const { m, rmap, parent, child, vma } = forked(4);
    const pfns = [0, 1, 2, 3].map((i) => parent.pt.pfn(vma.start + i));
    m.munmap(child, vma.start + 1, vma.start + 2);
    expect(child.vmas).toHaveLength(2);
    expect(where(rmap.mappings(pfns[1]!))).toEqual([[parent.id, vma.start + 1]]);
    for (const i of [0, 2, 3]) {
      const ms = rmap.mappings(pfns[i]!);
      expect(where(ms)).toEqual([
        [parent.id, vma.start + i],
        [child.id, vma.start + i],
      ]);
      const inChild = ms.find((x) => x.mm === child)!;
      expect(child.vmas).toContain(inChild.vma);
    }
  });

  it("a zero-page mapping is not an anonymous mapping", () => {
    const m = new Machine({ zeroPageOnRead: true });
    const rmap = new Rmap(m);
    const mm = m.createMm();
    const vma = m.mmap(mm, 1);
    m.read(mm, vma.start);
    expect(rmap.maps(mm, vma.start, mm.pt.pfn(vma.start))).toBe(false);
  });

  it("a walk stops when rmapOne returns false or done() says so", () => {
    const { m, rmap, pfn, child } = forked();
    m.fork(child);
    let calls = 0;
    rmap.walk(pfn, {
      rmapOne: () => {
        calls++;
        return false;
      },
    });
    expect(calls).toBe(1);
    calls = 0;
    rmap.walk(pfn, {
      rmapOne: () => {
        calls++;
        return true;
      },
      done: () => calls === 2,
    });
    expect(calls).toBe(2);
    calls = 0;
    rmap.walk(pfn, {
      rmapOne: () => {
        calls++;
        return true;
      },
      done: () => false,
    });
    expect(calls).toBe(3);
  });
});

describe("tryToUnmap()", () => {
  it("clears every mapping and frees the frame", () => {
    const { m, rmap, parent, child, vma, pfn } = forked();
    const before = m.frames.allocated;
    expect(rmap.tryToUnmap(pfn)).toBe(true);
    expect(m.frames.isFree(pfn)).toBe(true);
    expect(m.frames.allocated).toBe(before - 1);
    expect(parent.pt.bits(vma.start)).toBe(0);
    expect(child.pt.bits(vma.start)).toBe(0);
    expect(rmap.mappings(pfn)).toEqual([]);
    // The other page is untouched.
    expect(m.frames.refcount[parent.pt.pfn(vma.start + 1)]).toBe(2);
    expect(m.peek(parent, vma.start)).toBe(ZERO_CONTENT);
  });

  it("puts the PTE the caller gives in each mapping's place", () => {
    const { m, rmap, parent, child, vma, pfn } = forked();
    const seen: number[] = [];
    const ok = rmap.tryToUnmap(pfn, (at) => {
      seen.push(at.mm.id);
      return { pfn: 77, bits: PTE_SWAP };
    });
    expect(ok).toBe(true);
    expect(seen.sort()).toEqual([parent.id, child.id].sort());
    for (const mm of [parent, child]) {
      expect(mm.pt.bits(vma.start)).toBe(PTE_SWAP);
      expect(mm.pt.pfn(vma.start)).toBe(77);
    }
    expect(m.frames.isFree(pfn)).toBe(true);
  });

  it("reports a frame with a reference beyond its mappings as unmapped but not freed", () => {
    const { m, rmap, pfn } = forked();
    m.frames.refcount[pfn]!++; // a pin, e.g. I/O in flight
    expect(rmap.tryToUnmap(pfn)).toBe(true);
    expect(m.frames.isFree(pfn)).toBe(false);
    expect(m.frames.mapcount[pfn]).toBe(0);
    expect(m.frames.refcount[pfn]).toBe(1);
  });
});

describe("folioReferenced()", () => {
  it("counts the young mappings and clears their young bits", () => {
    const { rmap, parent, child, vma, pfn } = forked();
    // fork leaves the parent's PTE young and the child's old.
    expect(parent.pt.bits(vma.start) & PTE_YOUNG).toBe(PTE_YOUNG);
    expect(child.pt.bits(vma.start) & PTE_YOUNG).toBe(0);
    expect(rmap.folioReferenced(pfn)).toBe(1);
    expect(parent.pt.bits(vma.start) & PTE_YOUNG).toBe(0);
    expect(parent.pt.bits(vma.start) & PTE_PRESENT).toBe(PTE_PRESENT);
    expect(rmap.folioReferenced(pfn)).toBe(0);
    for (const mm of [parent, child]) mm.pt.setBits(vma.start, mm.pt.bits(vma.start) | PTE_YOUNG);
    expect(rmap.folioReferenced(pfn)).toBe(2);
    expect(rmap.folioReferenced(pfn)).toBe(0);
    // Only this frame's PTEs are touched.
    expect(parent.pt.bits(vma.start + 1) & PTE_YOUNG).toBe(PTE_YOUNG);
  });

  it("a write makes the page young again", () => {
    const { m, rmap, parent, vma } = forked();
    const pfn = parent.pt.pfn(vma.start + 1);
    rmap.folioReferenced(pfn);
    m.write(parent, vma.start + 1, m.contents.pattern(9n));
    expect(rmap.folioReferenced(parent.pt.pfn(vma.start + 1))).toBe(1);
  });
});

describe("registered walkers", () => {
  it("are consulted first for the frames they handle, in registration order", () => {
    const { rmap, parent, child, vma, pfn } = forked();
    const other = parent.pt.pfn(vma.start + 1);
    const fake: Mapping = { mm: child, vma: child.vmas[0]!, vpn: vma.start + 1 };
    const asked: Pfn[] = [];
    rmap.register({
      handles: (p) => {
        asked.push(p);
        return p === pfn;
      },
      walk: (p, rwc) => {
        rwc.rmapOne(p, fake);
      },
    });
    let secondWalked = false;
    rmap.register({
      handles: () => true,
      walk: () => {
        secondWalked = true;
      },
    });
    expect(rmap.mappings(pfn)).toEqual([fake]);
    expect(secondWalked).toBe(false);
    expect(asked).toEqual([pfn]);
    // A frame the first walker refuses goes to the next one, not to the anon walk.
    expect(rmap.mappings(other)).toEqual([]);
    expect(secondWalked).toBe(true);
  });

  it("leave other frames to the anonymous walk", () => {
    const { rmap, parent, child, vma, pfn } = forked();
    rmap.register({ handles: (p) => p === -5, walk: () => {} });
    expect(where(rmap.mappings(pfn))).toEqual([
      [parent.id, vma.start],
      [child.id, vma.start],
    ]);
  });

  it("tryToUnmap and folioReferenced go through the walker", () => {
    const { m, rmap, parent, vma, pfn } = forked();
    // A walker that only knows the parent's mapping.
    rmap.register({
      handles: (p) => p === pfn,
      walk: (p, rwc) => {
        rwc.rmapOne(p, { mm: parent, vma: parent.vmas[0]!, vpn: vma.start });
      },
    });
    expect(rmap.folioReferenced(pfn)).toBe(1);
    expect(rmap.tryToUnmap(pfn)).toBe(false);
    expect(parent.pt.bits(vma.start)).toBe(0);
    expect(m.frames.mapcount[pfn]).toBe(1);
  });
});

// ---------------------------------------------------------------------------
// Property: for every allocated frame, mappings() is exactly the set of PTEs mapping it.

type Op =
  | { t: "write"; p: number; page: number; seed: number }
  | { t: "fork"; p: number }
  | { t: "exit"; p: number }
  | { t: "munmap"; p: number; from: number; len: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ t: fc.constant("write" as const), p: fc.nat(), page: fc.nat(5), seed: fc.nat(3) }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("fork" as const), p: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("exit" as const), p: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant("munmap" as const),
      p: fc.nat(),
      from: fc.nat(5),
      len: fc.integer({ min: 1, max: 3 }),
    }),
  },
);

function bruteForce(m: Machine, pfn: Pfn): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const mm of m.mms.values())
    for (const vma of mm.vmas)
      for (let vpn = vma.start; vpn < vma.end; vpn++)
        if ((mm.pt.bits(vpn) & (PTE_PRESENT | PTE_SPECIAL)) === PTE_PRESENT && mm.pt.pfn(vpn) === pfn)
          out.push([mm.id, vpn]);
  return out.sort((p, q) => p[0] - q[0]);
}

describe("rmap (property)", () => {
  it("mappings() of every frame equals a brute-force scan of all page tables", () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 30 }), (ops) => {
        const m = new Machine();
        const rmap = new Rmap(m);
        const first = m.createMm();
        const start = m.mmap(first, 6).start;
        const live: Mm[] = [first];
        for (const op of ops) {
          if (live.length === 0) break;
          const i = op.p % live.length;
          const mm = live[i]!;
          if (op.t === "write") {
            if (mm.findVma(start + op.page))
              m.write(mm, start + op.page, m.contents.pattern(BigInt(op.seed)));
          } else if (op.t === "fork") live.push(m.fork(mm));
          else if (op.t === "exit") {
            m.exit(mm);
            live.splice(i, 1);
          } else m.munmap(mm, start + op.from, start + op.from + op.len);
          for (let pfn = 1; pfn < m.frames.size; pfn++) {
            if (m.frames.isFree(pfn)) continue;
            const ms = rmap.mappings(pfn);
            expect(where(ms)).toEqual(bruteForce(m, pfn));
            expect(ms.length).toBe(m.frames.mapcount[pfn]);
            for (const x of ms) expect(x.mm.vmas).toContain(x.vma);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
