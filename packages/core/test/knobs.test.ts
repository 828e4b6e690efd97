import { expect, it, describe as suite } from "vitest";
import { DEFAULT_KNOBS, describe, isKnobName, KNOB_RULES, parseKnob } from "../src/knobs.js";

suite("knobs", () => {
  it("names exactly the knobs it has rules and defaults for", () => {
    expect(Object.keys(KNOB_RULES).sort()).toEqual(Object.keys(DEFAULT_KNOBS).sort());
    expect(isKnobName("pages_to_scan")).toBe(true);
    expect(isKnobName("pages_shared")).toBe(false); // a counter, not writable
    expect(isKnobName("toString")).toBe(false); // not an inherited property either
  });

  it("accepts every default as the kernel's store function would", () => {
    for (const [name, v] of Object.entries(DEFAULT_KNOBS)) {
      if (!isKnobName(name)) throw new Error(name);
      expect(parseKnob(name, v)).toBe(v);
    }
  });

  it("parses sysfs strings as kstrtouint and kstrtobool do", () => {
    expect(parseKnob("pages_to_scan", " 100 ")).toBe(100);
    expect(parseKnob("pages_to_scan", "+7")).toBe(7);
    expect(parseKnob("smart_scan", "off")).toBe(0);
    expect(parseKnob("use_zero_pages", "Yes")).toBe(1);
    expect(parseKnob("use_zero_pages", true)).toBe(1);
    // words are booleans only for bool knobs
    expect(parseKnob("pages_to_scan", "yes")).toEqual({ error: describe("pages_to_scan") });
    expect(parseKnob("pages_to_scan", "1e3")).toEqual({ error: describe("pages_to_scan") });
    expect(parseKnob("pages_to_scan", 1.5)).toEqual({ error: describe("pages_to_scan") });
  });

  it("refuses values outside the kernel's range with what it accepts", () => {
    expect(parseKnob("run", 3)).toEqual({ error: "an integer from 0 to 2" });
    expect(parseKnob("run", 2)).toBe(2);
    expect(parseKnob("pages_to_scan", -1)).toEqual({ error: "an integer from 0 to 4294967295" });
    expect(parseKnob("pages_to_scan", 2 ** 32)).toEqual({ error: "an integer from 0 to 4294967295" });
    expect(parseKnob("max_page_sharing", 1)).toEqual({ error: "an integer from 2 to 2147483647" });
    expect(parseKnob("merge_across_nodes", 2)).toEqual({ error: "an integer from 0 to 1" });
    expect(parseKnob("smart_scan", 2)).toEqual({ error: "0 or 1 (or true/false)" });
    expect(parseKnob("advisor_target_scan_time", 0)).toHaveProperty("error");
    expect(parseKnob("advisor_mode", "scan-time")).toBe("scan-time");
    expect(parseKnob("advisor_mode", 1)).toEqual({ error: `"none" or "scan-time"` });
  });
});
