import { describe, expect, it } from "vitest";
import { isKnobName } from "../src/knobs.js";
import { KERNEL_HZ } from "../src/ksmd-sleep.js";
import { LINUX_2_6_32, LINUX_6_18, PROFILES } from "../src/profile.js";

describe("kernel profiles", () => {
  it("lists the default (Linux 6.18, the project's kernel) first, each profile once by name", () => {
    expect(PROFILES[0]).toBe(LINUX_6_18);
    expect(PROFILES).toContain(LINUX_2_6_32);
    expect(new Set(PROFILES.map((p) => p.name)).size).toBe(PROFILES.length);
  });

  it("the default changes no knob and runs at the kernel's HZ", () => {
    expect(LINUX_6_18.knobs).toEqual({});
    expect(LINUX_6_18.hz).toBe(KERNEL_HZ);
  });

  it("every knob a profile sets or removes is a real knob", () => {
    for (const p of PROFILES)
      for (const k of Object.keys(p.knobs)) expect(isKnobName(k), `${p.name}: ${k}`).toBe(true);
  });

  it("a feature a profile lacks has its sysfs knob removed (2.6.32: no chains, zero pages, smart scan, advisor, NUMA)", () => {
    for (const p of PROFILES) {
      const removed = (k: string) => (p.knobs as Record<string, unknown>)[k] === null;
      expect(removed("max_page_sharing"), p.name).toBe(!p.behaviour.chains);
      expect(removed("use_zero_pages"), p.name).toBe(!p.behaviour.zeroPages);
      expect(removed("smart_scan"), p.name).toBe(!p.behaviour.smartScan);
    }
    for (const k of ["advisor_mode", "merge_across_nodes", "stable_node_chains_prune_millisecs"])
      expect((LINUX_2_6_32.knobs as Record<string, unknown>)[k]).toBeNull();
    expect(LINUX_2_6_32.behaviour.stableSearchBeforeChecksum).toBe(true);
    expect(LINUX_6_18.behaviour.stableSearchBeforeChecksum).toBe(false);
  });
});
