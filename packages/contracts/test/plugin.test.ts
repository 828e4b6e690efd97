import {
  type ChecksumPolicy,
  checkPlugin,
  definePlugin,
  definePolicy,
  formatPolicySpec,
  ParamError,
  PluginError,
  parsePolicySpec,
  resolveParams,
} from "@ksm/contracts";
import { describe, expect, it } from "vitest";

const sample = definePolicy({
  name: "sample",
  description: "sum of every n-th byte",
  params: {
    stride: { type: "integer", default: 64, min: 1, max: 4096, description: "bytes between samples" },
    scale: { type: "number", default: 1, min: 0, description: "a factor" },
    fast: { type: "boolean", default: false, description: "a flag" },
    mode: { type: "string", default: "sum", choices: ["sum", "xor"], description: "how to combine" },
  },
  create: ({ stride, mode }): ChecksumPolicy => ({
    name: "sample",
    checksum: (page) => {
      let h = 0;
      for (let i = 0; i < page.length; i += stride) h = mode === "sum" ? h + page[i]! : h ^ page[i]!;
      return h >>> 0;
    },
  }),
});

describe("resolveParams", () => {
  it("fills in defaults and reads command-line strings as each parameter's type", () => {
    expect(resolveParams("checksum=sample", sample.params)).toEqual({
      stride: 64,
      scale: 1,
      fast: false,
      mode: "sum",
    });
    expect(
      resolveParams("checksum=sample", sample.params, {
        stride: "8",
        scale: "0.5",
        fast: "true",
        mode: "xor",
      }),
    ).toEqual({ stride: 8, scale: 0.5, fast: true, mode: "xor" });
  });

  it.each([
    [{ stride: "0" }, /stride must be a value in 1\.\.4096, got "0"/],
    [{ stride: "1.5" }, /stride must be an integer/],
    [{ stride: "" }, /stride must be an integer, got ""/],
    [{ fast: "maybe" }, /fast must be a boolean/],
    [{ mode: "add" }, /mode must be one of sum, xor/],
    [{ seed: "1" }, /has no parameter "seed"; its parameters are stride \(integer 1\.\.4096, default 64\)/],
  ])("rejects %j naming the parameter and what it takes", (given, message) => {
    expect(() => resolveParams("checksum=sample", sample.params, given)).toThrow(ParamError);
    expect(() => resolveParams("checksum=sample", sample.params, given)).toThrow(message);
  });

  it("says so when a factory takes no parameters", () => {
    expect(() => resolveParams("tree=avl", undefined, { x: "1" })).toThrow(/takes no parameters/);
  });
});

describe("policy specs", () => {
  it("parses NAME and NAME:key=value,… and formats them back in key order", () => {
    expect(parsePolicySpec("avl")).toEqual({ name: "avl", params: {} });
    const spec = parsePolicySpec("sample:stride=8,mode=xor");
    expect(spec).toEqual({ name: "sample", params: { stride: "8", mode: "xor" } });
    expect(formatPolicySpec(spec.name, spec.params)).toBe("sample:mode=xor,stride=8");
  });

  it.each(["", ":x=1", "a:b", "a:b=1,b=2", "a:=1"])("rejects %j", (text) => {
    expect(() => parsePolicySpec(text)).toThrow(ParamError);
  });
});

describe("definePlugin", () => {
  it("returns a well-formed plugin unchanged, and its factory creates working policies", async () => {
    const plugin = definePlugin({ name: "p", policies: { checksum: [sample] } });
    const policy = await plugin.policies.checksum![0]!.create(
      resolveParams("x", sample.params, { stride: "2048" }),
    );
    expect(policy.checksum(new Uint8Array(4096).fill(3))).toBe(6);
  });

  it.each([
    [null, /is not an object/],
    [{ name: "", policies: {} }, /name must be a non-empty string/],
    [{ name: "p", policies: { colour: [] } }, /policies\.colour is not a policy axis/],
    [{ name: "p", policies: { checksum: [{ name: "x y", description: "", create() {} }] } }, /\[0\]\.name/],
    [
      { name: "p", policies: { checksum: [{ name: "x", description: "d" }] } },
      /\[0\]\.create must be a function/,
    ],
    [
      {
        name: "p",
        policies: {
          scan: [
            {
              name: "x",
              description: "d",
              create() {},
              params: { n: { type: "integer", default: 0, min: 1, description: "" } },
            },
          ],
        },
      },
      /policies\.scan\[0\]\.params\.n: its default 0 is not a value in 1\.\.∞/,
    ],
    [
      { name: "p", policies: { tree: [sample, sample] } },
      /policies\.tree\[1\]\.name "sample" is defined twice/,
    ],
    [{ name: "p", policies: {}, profiles: [{ name: "x" }] }, /profiles\[0\] must be a KsmProfile/],
    [{ name: "p", policies: {}, profiles: {} }, /profiles must be an array of kernel profiles/],
    [{ name: "p" }, /policies must be an object of axes \(checksum, tree, scan, reclaim\)/],
    [{ name: "p", policies: { tree: {} } }, /policies\.tree must be an array of factories/],
    [{ name: "p", policies: { scan: [42] } }, /policies\.scan\[0\] must be a factory \{ name, description/],
    [
      { name: "p", policies: { reclaim: [{ name: "x", description: 3, create() {} }] } },
      /policies\.reclaim\[0\]\.description must be a string/,
    ],
    [
      { name: "p", policies: { reclaim: [{ name: "x", description: "d", create() {}, params: 1 }] } },
      /policies\.reclaim\[0\]\.params must be an object of parameter specs/,
    ],
    [
      {
        name: "p",
        policies: {
          checksum: [
            { name: "x", description: "d", create() {}, params: { n: { type: "float", default: 0 } } },
          ],
        },
      },
      /policies\.checksum\[0\]\.params\.n: type must be integer, number, boolean or string/,
    ],
    [
      {
        name: "p",
        policies: {
          checksum: [
            { name: "x", description: "d", create() {}, params: { n: { type: "integer", default: 0 } } },
          ],
        },
      },
      /policies\.checksum\[0\]\.params\.n: needs a description/,
    ],
  ])("rejects a malformed plugin, naming the path: %#", (value, message) => {
    expect(() => checkPlugin(value, "./my-plugin.js")).toThrow(PluginError);
    expect(() => checkPlugin(value, "./my-plugin.js")).toThrow(message);
  });
});

describe("what a plugin error says", () => {
  it("starts with where the plugin came from, and definePlugin names the plugin", () => {
    expect(() => checkPlugin({ name: "" }, "./my-plugin.js")).toThrow(/^\.\/my-plugin\.js: name must be/);
    expect(() => definePlugin({ name: "mine", policies: { colour: [] } } as never)).toThrow(
      /^plugin mine: policies\.colour is not a policy axis; expected one of checksum, tree, scan, reclaim$/,
    );
  });

  it("is a PluginError, not the ParamError of the parameter check inside it", () => {
    const bad = {
      name: "p",
      policies: { scan: [{ name: "x", description: "d", create() {}, params: { n: {} } }] },
    };
    let error: unknown;
    try {
      checkPlugin(bad);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PluginError);
    expect(error).not.toBeInstanceOf(ParamError);
    expect((error as Error).message).toMatch(/^plugin: policies\.scan\[0\]\.params\.n:/);
  });
});
