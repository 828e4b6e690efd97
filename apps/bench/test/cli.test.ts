import { validateKnob } from "@ksm/ksm-sim";
import { parseScenario } from "@ksm/scenario";
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

describe("ksm-bench CLI", () => {
  it("prints help and the workloads", async () => {
    expect((await cli("--help")).out).toContain("matrix");
    const list = await cli("list");
    expect(list.out).toContain("vm-consolidation");
    expect(list.out).toContain("checksum=xxhash");
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
});
