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
  ])("rejects %j with exit code 2", async (argv, message) => {
    const r = await cli(...argv);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });

  it("parses seed lists", () => {
    expect(parseSeeds("1-3,7")).toEqual([1, 2, 3, 7]);
    expect(() => parseSeeds("x")).toThrow(/bad seed list/);
  });
});
