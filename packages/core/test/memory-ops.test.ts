import { type ContentId, type Mm, THP_PAGES, VM_READ, VM_WRITE, ZERO_CONTENT } from "@ksm/mm";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { setup } from "./helpers.js";

// KSM under every memory op scenario v2 has, THPs included, with ksmd stepped in batches
// of random size so that each op lands mid full scan: no page ever reads back other than
// what was last written, and the model's own audits (frames, counters, stable nodes) hold.

interface Region {
  mm: Mm;
  start: number;
  pages: number;
  /** Per page: what it must read (null: a hole). */
  expected: (ContentId | null)[];
}

const REGION = THP_PAGES + 40;
const op = fc.oneof(
  fc.record({
    k: fc.constant("write" as const),
    r: fc.nat(),
    at: fc.nat(REGION - 1),
    n: fc.nat(40),
    seed: fc.nat(4),
  }),
  fc.record({
    k: fc.constant("batches" as const),
    n: fc.integer({ min: 1, max: 6 }),
    size: fc.integer({ min: 1, max: 700 }),
  }),
  fc.record({ k: fc.constant("dontneed" as const), r: fc.nat(), at: fc.nat(REGION - 1), n: fc.nat(REGION) }),
  fc.record({
    k: fc.constant("mprotect" as const),
    r: fc.nat(),
    at: fc.nat(REGION - 1),
    n: fc.nat(REGION),
    prot: fc.constantFrom(0, VM_READ, VM_READ | VM_WRITE),
  }),
  fc.record({ k: fc.constant("munmap" as const), r: fc.nat(), at: fc.nat(REGION - 1), n: fc.nat(60) }),
  fc.record({ k: fc.constant("mremap" as const), r: fc.nat() }),
  fc.record({
    k: fc.constant("unmergeable" as const),
    r: fc.nat(),
    at: fc.nat(REGION - 1),
    n: fc.nat(REGION),
  }),
  fc.record({ k: fc.constant("fork" as const), r: fc.nat() }),
  fc.record({ k: fc.constant("exit" as const), r: fc.nat() }),
);

describe("KSM with mprotect, dontneed, munmap, mremap, fork and THPs, mid full scan", () => {
  it("never changes what a page reads and keeps every invariant", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), fc.boolean(), (ops, zeroPages) => {
        const { machine, ksm } = setup({ use_zero_pages: zeroPages ? 1 : 0 });
        let next = 0x4000_0000;
        const slot = () => (next += 1 << 18);
        const regions: Region[] = [];
        for (let p = 0; p < 2; p++) {
          const mm = machine.createMm();
          const start = slot();
          machine.mmapAt(mm, start, REGION);
          machine.hugepageMadvise(mm, start, start + REGION, true);
          const expected: ContentId[] = [];
          for (let i = 0; i < REGION; i++) {
            const c = i % 7 === 0 ? ZERO_CONTENT : machine.contents.pattern(BigInt(i % 3));
            machine.write(mm, start + i, c);
            expected.push(c);
          }
          machine.hugepageMadvise(mm, start, start + REGION, false);
          machine.madvise(mm, start, start + REGION, "mergeable");
          regions.push({ mm, start, pages: REGION, expected });
        }
        const check = () => {
          for (const r of regions)
            r.expected.forEach((c, i) => {
              if (c !== null) expect(machine.peek(r.mm, r.start + i)).toBe(c);
            });
          expect(machine.audit()).toEqual([]);
          expect(ksm.audit(false)).toEqual([]);
        };
        for (const o of ops) {
          const r = regions.length && "r" in o ? regions[o.r % regions.length]! : undefined;
          const range = (at: number, n: number) => [at, Math.min(REGION, at + Math.max(1, n))] as const;
          switch (o.k) {
            case "write": {
              if (!r) break;
              const [a, b] = range(o.at, o.n);
              const c = machine.contents.pattern(BigInt(o.seed));
              for (let i = a; i < b; i++)
                if (r.expected[i] !== null) {
                  machine.write(r.mm, r.start + i, c);
                  r.expected[i] = c;
                }
              break;
            }
            case "batches":
              ksm.writeKnob("pages_to_scan", o.size);
              for (let i = 0; i < o.n && ksm.shouldRun(); i++) ksm.runBatch();
              break;
            case "dontneed": {
              if (!r) break;
              const [a, b] = range(o.at, o.n);
              machine.dontneed(r.mm, r.start + a, r.start + b);
              for (let i = a; i < b; i++) if (r.expected[i] !== null) r.expected[i] = ZERO_CONTENT;
              break;
            }
            case "mprotect":
              if (r) machine.mprotect(r.mm, r.start + o.at, r.start + range(o.at, o.n)[1], o.prot);
              break;
            case "unmergeable":
              if (r) machine.madvise(r.mm, r.start + o.at, r.start + range(o.at, o.n)[1], "unmergeable");
              break;
            case "munmap": {
              if (!r) break;
              const [a, b] = range(o.at, o.n);
              machine.munmap(r.mm, r.start + a, r.start + b);
              r.expected.fill(null, a, b);
              break;
            }
            case "mremap": {
              if (!r) break;
              const to = slot();
              machine.mremap(r.mm, r.start, r.start + r.pages, to);
              for (const other of regions) if (other.mm === r.mm && other.start === r.start) other.start = to;
              break;
            }
            case "fork":
              if (r && regions.length < 6) {
                const mm = machine.fork(r.mm);
                for (const x of regions.filter((x) => x.mm === r.mm))
                  regions.push({ ...x, mm, expected: [...x.expected] });
              }
              break;
            case "exit":
              if (r) {
                machine.exit(r.mm);
                for (let i = regions.length - 1; i >= 0; i--)
                  if (regions[i]!.mm === r.mm) regions.splice(i, 1);
              }
              break;
          }
          check();
        }
        ksm.writeKnob("pages_to_scan", 1_000_000);
        ksm.fullScans(3);
        check();
        expect(ksm.audit(true)).toEqual([]);
      }),
      { numRuns: 30 },
    );
  });
});
