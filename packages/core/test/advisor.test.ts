import { describe, expect, it } from "vitest";
import { DEFAULT_KNOBS, scanTimeAdvisor } from "../src/index.js";
import { region, setup } from "./helpers.js";

describe("scan-time advisor", () => {
  it("follows the kernel's integer formula (worked by hand)", () => {
    const knobs = { ...DEFAULT_KNOBS, pages_to_scan: 500 };
    const ctx = { change: 0, scanTime: 0, cpuTime: 0 };
    // 2.5 s scan, 500 ms CPU: 25 % CPU, target 200 s, first run (EWMA change 30):
    // 500*100/10000 = 5, *30/100 = 1, floored by 10 % CPU: (500/25)*10 = 200
    expect(scanTimeAdvisor(knobs, ctx, 2500, 500e6)).toBe(200);
    expect(ctx).toEqual({ change: 30, scanTime: 2, cpuTime: 500e6 });
    // a 400 s scan (twice the target) at under 1 % CPU: change = 400*100/2 = 20000, smoothed
    // (70*30 + 30*20000)/100 = 6021; 200*100/50 = 400, *6021/100 = 24084; capped at 70 % CPU
    // with a per-page cost of 200/1: 14000
    const knobs2 = { ...knobs, pages_to_scan: 200 };
    expect(scanTimeAdvisor(knobs2, ctx, 400_000, 500e6 + 1e9)).toBe(14000);
    expect(ctx.change).toBe(6021);
  });

  it("sets pages_to_scan at the end of each full scan once enabled", () => {
    const { machine, ksm } = setup({ pages_to_scan: 100 });
    region(machine, machine.createMm(), new Array(300).fill(1));
    expect(ksm.writeKnob("advisor_mode", "scan-time")).toBe(0);
    expect(ksm.knobs.pages_to_scan).toBe(500);
    expect(ksm.writeKnob("pages_to_scan", 1000)).toBe(-22);
    ksm.fullScans(1);
    expect(ksm.knobs.pages_to_scan).not.toBe(500);
    ksm.writeKnob("advisor_mode", "none");
    expect(ksm.knobs.pages_to_scan).toBe(100);
  });
});
