#!/usr/bin/env node
// The checksum benchmark: ns per page and per byte read for every checksum variant of
// @ksm/policy-checksum (from dist: pnpm build first), and of any plugin given as an argument
// (a module path, e.g. examples/plugins/sampled-checksum/dist/index.js). Each variant hashes
// 1,024 distinct random pages round after round for at least a second after a warm-up; the
// median of 5 such runs is printed as a Markdown table. The figures go into each policy's
// `cost` (packages/policy-checksum/src/cost.ts, and a plugin's own source). A policy with
// `checksumWords` is also timed on pages given by their words (1,024 distinct words), as
// the core hashes pattern, unique and near-duplicate pages: one word repeated, then the same
// with one slot patched, through it; and by filling the page and hashing its bytes, as the
// core does for a policy without it.
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { SplitMix32 } from "@ksm/contracts";
import builtIn from "@ksm/policy-checksum";

const PAGES = 1024;
const rng = new SplitMix32(1);
const pages = Array.from({ length: PAGES }, () => {
  const p = new Uint8Array(4096);
  for (let i = 0; i < p.length; i += 4) new DataView(p.buffer).setUint32(i, rng.next(), true);
  return p;
});

const words = Array.from({ length: PAGES }, () => [rng.next(), rng.next()]);
/** Word i's page with one slot patched: the slot, its word's halves. */
const patches = words.map(() => Uint32Array.of(rng.next() & 511, rng.next(), rng.next()));
const none = new Uint32Array(0);
const page = new Uint8Array(4096);
const view = new Uint32Array(page.buffer);

/** The page of word `i` repeated, in `page`. */
function fill(i) {
  const [lo, hi] = words[i];
  for (let j = 0; j < view.length; j += 2) {
    view[j] = lo;
    view[j + 1] = hi;
  }
  return page;
}

/** Median of 5 one-second runs, after a warm-up, of `hash(i)` for i over 0..PAGES-1: ns per call. */
function nsPerPage(hash) {
  let sink = 0;
  for (let i = 0; i < PAGES * 4; i++) sink ^= hash(i % PAGES);
  const runs = [];
  for (let r = 0; r < 5; r++) {
    let n = 0;
    const t0 = process.hrtime.bigint();
    let t = t0;
    while (t - t0 < 1_000_000_000n) {
      for (let i = 0; i < PAGES; i++) sink ^= hash(i);
      n += PAGES;
      t = process.hrtime.bigint();
    }
    runs.push(Number(t - t0) / n);
  }
  if (sink === 0.5) console.log(sink); // keep the results alive
  return runs.sort((a, b) => a - b)[2];
}

const plugins = [builtIn];
for (const arg of process.argv.slice(2))
  plugins.push((await import(pathToFileURL(resolve(arg)).href)).default);
console.log(
  "| variant | bytes read | ns per page | ns per byte read | declared `cost` | by words: `checksumWords`, no slot / one slot patched / fill + `checksum`, ns |",
);
console.log("| ------- | ---------: | ----------: | ---------------: | --------------- | ---: |");
for (const plugin of plugins)
  for (const factory of plugin.policies.checksum ?? []) {
    const defaults = Object.fromEntries(Object.entries(factory.params ?? {}).map(([k, s]) => [k, s.default]));
    const policy = await factory.create(defaults);
    if (policy.constant) {
      console.log(`| ${factory.name} | 0 | 0 | 0 | ${JSON.stringify(policy.cost)} | – |`);
      continue;
    }
    const bytes = policy.cost?.bytesRead ?? 4096;
    const ns = nsPerPage((i) => policy.checksum(pages[i]));
    const byWords = policy.checksumWords
      ? [
          (i) => policy.checksumWords(words[i][0], words[i][1], none, 0),
          (i) => policy.checksumWords(words[i][0], words[i][1], patches[i], 1),
          (i) => policy.checksum(fill(i)),
        ]
          .map((hash) => nsPerPage(hash).toFixed(0))
          .join(" / ")
      : "–";
    console.log(
      `| ${factory.name} | ${bytes} | ${ns.toFixed(0)} | ${(ns / bytes).toFixed(3)} | ${JSON.stringify(policy.cost)} | ${byWords} |`,
    );
  }
