import { checkPlugin, resolveParams } from "@ksm/contracts";
import defaultExport, { plugin } from "@ksm/policy-scan";
import { describe, expect, it } from "vitest";

describe("the @ksm/policy-scan plugin", () => {
  it("is the default export and a well-formed plugin of the scan axis only", () => {
    expect(defaultExport).toBe(plugin);
    expect(checkPlugin(plugin)).toBe(plugin);
    expect(Object.keys(plugin.policies)).toEqual(["scan"]);
    expect(plugin.policies.scan!.map((f) => f.name)).toEqual("linear,smart,random,adaptive".split(","));
  });

  it("creates, from each factory's defaults, a fresh policy of that name", async () => {
    for (const f of plugin.policies.scan!) {
      const values = resolveParams(f.name, f.params);
      const [a, b] = [await f.create(values), await f.create(values)];
      expect(a.name).toBe(f.name);
      if (f.params && Object.keys(f.params).length) expect(a).not.toBe(b);
    }
  });
});
