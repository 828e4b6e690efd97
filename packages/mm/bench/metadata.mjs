#!/usr/bin/env node
// Bytes of model state per mapped page at 1,048,576 pages (the @ksm/mm budget is 100).
// Run: pnpm --filter @ksm/mm bench   (after pnpm build)
import { Machine } from "../dist/index.js";

const PAGES = Number(process.argv[2] ?? 1 << 20);
const PROCESSES = 4;
const gc = globalThis.gc;
if (!gc) throw new Error("run with node --expose-gc");

function used() {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

const before = used();
const t0 = performance.now();
const machine = new Machine();
const per = PAGES / PROCESSES;
const keep = [];
for (let p = 0; p < PROCESSES; p++) {
  const mm = machine.createMm();
  const vma = machine.mmap(mm, per);
  for (let i = 0; i < per; i++) {
    // half an image shared by every process, a quarter unique, a quarter zero
    const c =
      i < per / 2
        ? machine.contents.pattern(BigInt(1000 + i))
        : i < (3 * per) / 4
          ? machine.contents.unique()
          : 0;
    machine.write(mm, vma.start + i, c);
  }
  keep.push(mm);
}
const ms = performance.now() - t0;
const bytes = used() - before;
console.log(
  JSON.stringify({
    pages: PAGES,
    processes: PROCESSES,
    bytesPerPage: Math.round((bytes / PAGES) * 10) / 10,
    totalMiB: Math.round((bytes / 2 ** 20) * 10) / 10,
    buildSeconds: Math.round(ms) / 1000,
    frames: machine.frames.allocated,
  }),
);
