import { checkPlugin, resolveParams } from "@ksm/contracts";
import defaultExport, { plugin } from "@ksm/policy-checksum";
import { describe, expect, it } from "vitest";

describe("the @ksm/policy-checksum plugin", () => {
  it("is the default export and a well-formed plugin of the checksum axis only", () => {
    expect(defaultExport).toBe(plugin);
    expect(checkPlugin(plugin)).toBe(plugin);
    expect(Object.keys(plugin.policies)).toEqual(["checksum"]);
    expect(plugin.policies.checksum!.map((f) => f.name)).toEqual("xxhash,jhash2,crc32c,none".split(","));
  });

  it("creates, from each factory's defaults, a fresh policy of that name", async () => {
    for (const f of plugin.policies.checksum!) {
      const values = resolveParams(f.name, f.params);
      const [a, b] = [await f.create(values), await f.create(values)];
      expect(a.name).toBe(f.name);
      if (f.params && Object.keys(f.params).length) expect(a).not.toBe(b);
    }
  });

  it("every variant declares its cost, and only none reads nothing", async () => {
    for (const f of plugin.policies.checksum!) {
      const c = (await f.create(resolveParams(f.name, f.params))).cost!;
      expect(c.bytesRead).toBe(f.name === "none" ? 0 : 4096);
      expect(c.nsPerByte > 0).toBe(f.name !== "none");
    }
  });
});
