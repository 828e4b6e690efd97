import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { buildSimulation, listPolicies, loadPlugin, PolicyError } from "../src/index.js";
import { cli } from "./helpers.js";

const EXAMPLES = resolve(import.meta.dirname, "../../../examples");
const FIXTURES = resolve(import.meta.dirname, "fixtures");
const SUM = join(FIXTURES, "sum-plugin.mjs");

const lastCounters = (out: string) => JSON.parse(out.trim().split("\n").at(-1)!).counters;

describe("--plugin", () => {
  it("runs a scenario with a plugin's checksum and its parameters", async () => {
    const r = await cli(
      "run",
      join(EXAMPLES, "two-vms.json"),
      "--jsonl",
      "--plugin",
      SUM,
      "--policy",
      "checksum=sum8:shift=3",
    );
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(lastCounters(r.out).pages_sharing).toBe(1020);
  });

  it("takes a plugin's profile", async () => {
    const sim = await buildSimulation({ profile: "linux-6.18-nosmart", plugins: [await loadPlugin(SUM)] });
    expect(sim.profile.behaviour.smartScan).toBe(false);
    expect(sim.resolved).toEqual({ checksum: "xxhash", tree: "rbtree", reclaim: "lru" });
  });

  it("lists a plugin's variants with where they come from and their parameters", async () => {
    const r = await cli("policies", "--plugin", SUM);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/sum8 +sum of the page's bytes.*\[sum-fixture\]/);
    expect(r.out).toContain(":shift (integer 0..7, default 0) rotation");
    expect(r.out).toContain("linux-6.18-nosmart");
    expect((await cli("policies")).out).not.toContain("sum8");
    const list = listPolicies([await loadPlugin(SUM)]);
    expect(list.policies.checksum!.map((v) => v.name)).toEqual([
      "xxhash",
      "jhash2",
      "crc32c",
      "none",
      "sum8",
    ]);
  });

  it("loads the plugins a scenario names, relative to the scenario file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ksm-sim-plugins-"));
    writeFileSync(join(dir, "p.mjs"), readFileSync(SUM));
    const scenario = JSON.parse(readFileSync(join(EXAMPLES, "two-vms.json"), "utf8"));
    const file = join(dir, "s.json");
    writeFileSync(
      file,
      JSON.stringify({ ...scenario, plugins: ["./p.mjs"], policies: { checksum: "sum8" } }),
    );
    const r = await cli("run", file, "--jsonl");
    expect(r.err).toBe("");
    expect(lastCounters(r.out).pages_sharing).toBe(1020);
    const bad = join(dir, "bad.json");
    writeFileSync(bad, JSON.stringify({ ...scenario, plugins: ["./missing.mjs"] }));
    const e = await cli("run", bad);
    expect(e.code).toBe(2);
    expect(e.err).toContain("at $.plugins[0]: no such file or directory");
  });

  it("takes parameters of built-in variants and names the canonical choice", async () => {
    const sim = await buildSimulation({
      policies: { tree: "skiplist:seed=7", scan: "adaptive:maxInterval=4" },
    });
    expect(sim.resolved).toMatchObject({
      tree: "skiplist:seed=7",
      scan: "adaptive:forgetAfter=64,maxInterval=4,volatileShare=0.5",
    });
    expect((await cli("run", join(EXAMPLES, "two-vms.json"), "--policy", "tree=skiplist:seed=7")).code).toBe(
      0,
    );
  });

  it.each([
    [
      ["--policy", "checksum=sum8:shift=9", "--plugin", SUM],
      /--policy checksum=sum8:shift=9: checksum=sum8: shift must be a value in 0\.\.7, got "9"/,
    ],
    [
      ["--policy", "tree=avl:seed=1"],
      /--policy tree=avl:seed=1: tree=avl has no parameter "seed"; it takes no parameters/,
    ],
    [
      ["--policy", "tree=skiplist:depth=3"],
      /has no parameter "depth"; its parameters are seed \(integer 0\.\.4294967295, default 1\)/,
    ],
    [["--policy", "tree=skiplist:seed"], /"seed" is not key=value/],
    [
      ["--policy", "checksum=sum8"],
      /unknown checksum policy "sum8"; expected one of xxhash, jhash2, crc32c, none/,
    ],
    [
      ["--plugin", "ksm-plugin-that-is-not-installed"],
      /no package "ksm-plugin-that-is-not-installed" in a node_modules/,
    ],
    [
      ["--plugin", join(FIXTURES, "broken-plugin.mjs")],
      /broken-plugin\.mjs: policies\.checksum\[0\]\.create must be a function/,
    ],
    [
      ["--plugin", join(FIXTURES, "clash-plugin.mjs")],
      /plugin clash-fixture defines the checksum policy "xxhash", which plugin @ksm\/policy-checksum defines too/,
    ],
    [["--plugin", "./no/such/file.mjs"], /--plugin \.\/no\/such\/file\.mjs: no such file or directory/],
    [["--plugin"], /--plugin needs a value/],
  ])("rejects %j with one paragraph, exit code 2, nothing run", async (flags, message) => {
    const r = await cli("run", join(EXAMPLES, "two-vms.json"), ...flags);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err.trim().split("\n")).toHaveLength(1);
    expect(r.out).toBe("");
  });

  it("reports a bad plugin from the library as a PolicyError", async () => {
    await expect(loadPlugin(join(FIXTURES, "broken-plugin.mjs"))).rejects.toBeInstanceOf(PolicyError);
  });
});
