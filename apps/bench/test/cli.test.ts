import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseScenario } from "@ksm/scenario";
import { validateKnob } from "@ksm/sim";
import { describe, expect, it } from "vitest";
import { parseSeeds, runBenchCli } from "../src/index.js";

async function cli(...argv: string[]) {
  let out = "";
  let err = "";
  const code = await runBenchCli(argv, {
    out: (t) => {
      out += t;
    },
    err: {
      write: (t: string) => {
        err += t;
      },
    },
  });
  return { code, out, err };
}

/** A one-workload, one-seed matrix of tiny cells in this thread, written to a fresh directory. */
async function smallMatrix(...flags: string[]) {
  const out = join(mkdtempSync(join(tmpdir(), "ksm-bench-")), "m");
  const small = ["--workloads", "zero-heavy", "--param", "pages=64", "--param", "scans=2", "--seeds", "1"];
  const r = await cli("matrix", ...small, ...flags, "--workers", "0", "--calibration", "none", "--out", out);
  return { r, out };
}

describe("ksm-bench CLI", () => {
  it("prints help and the workloads", async () => {
    expect((await cli("--help")).out).toContain("matrix");
    const speedHelp = await cli("speed", "--repeat", "3", "--help");
    expect(speedHelp.code).toBe(0);
    expect(speedHelp.out).toContain("speed-dup-1024");
    expect(speedHelp.err).toBe("");
    const list = await cli("list");
    expect(list.out).toContain("vm-consolidation");
    expect(list.out).toContain("capture-python-idle");
    const check = await cli("check", "capture-python-idle");
    expect(check.code).toBe(2);
    expect(check.err).toMatch(/captured contents, which the kernel oracle cannot write; .*capture-oracle/);
    expect(list.out).toContain("checksum=xxhash");
    const withPlugin = await cli(
      "list",
      "--plugin",
      resolve(import.meta.dirname, "../../ksm-sim/test/fixtures/sum-plugin.mjs"),
    );
    expect(withPlugin.out).toContain("checksum=sum8");
    expect(list.out).not.toContain("checksum=sum8");
  });

  it("prints a workload's scenario, with parameters", async () => {
    const r = await cli("scenario", "zero-heavy", "--seed", "3", "--param", "pages=64", "--param", "scans=2");
    expect(r.code).toBe(0);
    const s = parseScenario(JSON.parse(r.out), validateKnob);
    expect(s.processes[0]!.regions[0]!.pages).toBe(64);
  });

  it.each([
    [["frobnicate"], /unknown command/],
    [["scenario", "nope"], /unknown workload/],
    [["matrix", "--bogus"], /unknown flag --bogus/],
    [["scenario", "zero-heavy", "--param", "x"], /bad --param/],
    [["scenario", "zero-heavy", "--param", "nope=1"], /no parameter "nope"/],
    [["matrix", "--workers", "-1"], /--workers must be 0/],
    [
      ["matrix", "--calibration", "/no/such/calibration.json"],
      /--calibration \/no\/such\/calibration\.json: no such file/,
    ],
    [["matrix", "--axes", "colour"], /unknown policy axis "colour"/],
    [["matrix", "--profiles", "linux-9.9"], /unknown profile "linux-9.9"/],
    [["matrix", "--param", "nope=1"], /no parameter "nope"/],
    [["matrix", "--plugin", "./no-such-plugin.mjs"], /--plugin \.\/no-such-plugin\.mjs: no such file/],
    [
      ["matrix", "--workloads", "zero-heavy", "--param", "pages=-1"],
      /--param: workload zero-heavy: parameter pages must be an integer >= 1/,
    ],
    [
      ["matrix", "--workloads", "zero-heavy", "--queue", "http://h:1"],
      /--queue "http:\/\/h:1": the scheme must be redis:/,
    ],
    [
      ["matrix", "--workloads", "zero-heavy", "--queue", "redis://h:1/x"],
      /the path "\/x" is not \/DB or \/DB\/QUEUE/,
    ],
    [["worker"], /worker needs --queue/],
    [
      ["worker", "--queue", "redis://127.0.0.1:1", "--workers", "0"],
      /--workers 0: expected 1 or more threads/,
    ],
    [
      ["queue-scaling", "--workloads", "zero-heavy", "--counts", "1,0"],
      /--counts: "0" is not a number of workers/,
    ],
    [["worker", "--queue", "redis://127.0.0.1:1/0/q"], /cannot connect to 127\.0\.0\.1:1 \(ECONNREFUSED\)/],
    [["calibrate", "--sizes", "65536,abc"], /--sizes: expected whole numbers above 0, got "abc"/],
    [["cal-speed", "--no-kernel", "--sizes", "0"], /--sizes: expected whole numbers above 0, got "0"/],
    [["speed", "--no-kernel", "--repeat", "0"], /--repeat: expected a whole number above 0, got 0/],
    [["speed", "--kernel-repeat", "0"], /--kernel-repeat: expected a whole number above 0, got 0/],
    [
      ["cal-speed", "--no-kernel", "--pages-to-scan", "0"],
      /--pages-to-scan: expected a whole number above 0, got 0/,
    ],
    // scale and growth check their sizes before they wait for an idle machine (up to 120 s)
    [["scale", "--no-kernel", "--pages", "12"], /--guests 16 --pages 12: pages must be a multiple of 8/],
    [
      ["scale", "--check-guests", "0"],
      /--check-guests 0 --check-pages 4096: parameter guests must be an integer >= 1/,
    ],
    [["scale", "--quiet-wait", "-1"], /--quiet-wait expects a whole number of at least 0, got "-1"/],
    [["growth", "--from", "30", "--to", "26"], /--from 30 is above --to 26/],
    [["growth", "--to", "40"], /--to expects a whole number from 0 to 30, got "40"/],
    [
      ["growth", "--guests", "3", "--from", "16", "--to", "16"],
      /--guests 3 does not split 2\^16 pages into guests/,
    ],
    [["growth", "--from", "3"], /--guests 16 does not split 2\^3 pages into guests of a whole multiple of 8/],
    [
      ["scenario", "zero-heavy", "--seed", "-1"],
      /--seed expects a whole number from 0 to 4294967295, got "-1"/,
    ],
    [["matrix", "--seeds", "3-1"], /--seeds "3-1": the range 3-1 runs backwards/],
    [["matrix", "--seeds", "1,x"], /--seeds "1,x": "x" is not a seed/],
    [["matrix", "--seeds", "1-3,2"], /names seed 2 twice/],
    [
      ["matrix", "--workloads", "zero-heavy", "--param", "nope=1"],
      /--param: workload zero-heavy has no parameter "nope"/,
    ],
    [
      ["matrix", "--workloads", "zero-heavy", "--param", "near-duplicate.pages=1"],
      /"near-duplicate" is not a workload of this matrix/,
    ],
  ])("rejects %j with exit code 2", async (argv, message) => {
    const r = await cli(...argv);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    // one paragraph, no stack trace, and (for the matrix) before any cell ran
    expect(r.err.trim().split("\n")).toHaveLength(1);
    expect(r.err).not.toMatch(/\n\s+at |cells on/);
  });

  it("parses seed lists", () => {
    expect(parseSeeds("1-3,7")).toEqual([1, 2, 3, 7]);
    expect(parseSeeds("1-30")).toHaveLength(30);
    expect(() => parseSeeds("x")).toThrow(/not a seed/);
    expect(() => parseSeeds("1-20000")).toThrow(/more than 10000 seeds/);
  });

  it("runs a plugin's variants in the matrix like built-in ones", async () => {
    const plugin = resolve(import.meta.dirname, "../../ksm-sim/test/fixtures/sum-plugin.mjs");
    const { r, out } = await smallMatrix(
      "--profiles",
      "linux-6.18",
      "--axes",
      "checksum",
      "--plugin",
      plugin,
    );
    expect(r.code).toBe(0);
    const { cells } = JSON.parse(readFileSync(join(out, "results.json"), "utf8"));
    const variants = (cells as { variant: string; error: string | null }[]).map((c) => c.variant);
    expect(variants).toContain("checksum=sum8");
    // the profile's own default (xxhash) is the "default" cell, not run twice
    expect(variants).not.toContain("checksum=xxhash");
    expect((cells as { error: string | null }[]).every((c) => c.error === null)).toBe(true);
  });

  it("says once per profile which knobs it lacks and ignores, by name", async () => {
    const { r } = await smallMatrix("--profiles", "linux-2.6.32", "--axes", "reclaim");
    expect(r.code).toBe(0);
    const notes = r.err.split("\n").filter((l) => l.includes("note:"));
    expect(notes).toEqual([
      "ksm-bench: note: linux-2.6.32 has no stable_node_chains_prune_millisecs, use_zero_pages; ignored where zero-heavy set them",
    ]);
  });

  it("validates every argument before any cell runs", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "ksm-bench-")), "m");
    const r = await cli("matrix", "--seeds", "1", "--policy-typo", "x", "--out", out);
    expect(r.code).toBe(2);
    expect(existsSync(out)).toBe(false);
  });
});

describe("the cost model and each checksum's own cost", () => {
  it("tells xxhash, jhash2, crc32c and a 64-byte sampled checksum apart", async () => {
    const { runCell } = await import("../src/index.js");
    const plugin = resolve(import.meta.dirname, "../../ksm-sim/test/fixtures/sampled-cost-plugin.mjs");
    const model = { features: ["bytes_hashed" as const], nsPer: { bytes_hashed: 0.136 } };
    const est = async (checksum: string) => {
      const r = await runCell(
        {
          workload: "cal-unique",
          params: { pages: 256, scans: 2 },
          seed: 1,
          profile: "linux-6.18",
          policies: { checksum },
          plugins: [plugin],
        },
        model,
      );
      expect(r.error).toBeNull();
      return r.estKsmdSeconds!;
    };
    const [sampled, xxhash, jhash2, crc32c] = [
      await est("sampled64"),
      await est("xxhash"),
      await est("jhash2"),
      await est("crc32c"),
    ];
    // 64 bytes at 2 ns against 4096 at xxhash's 0.249: about an eighth
    expect(sampled).toBeLessThan(xxhash / 5);
    expect(xxhash).toBeLessThan(jhash2);
    expect(jhash2).toBeLessThan(crc32c);
  });
});
