/** The writable files of /sys/kernel/mm/ksm, with the kernel's defaults. */
export interface Knobs {
  run: number;
  pages_to_scan: number;
  sleep_millisecs: number;
  use_zero_pages: number;
  max_page_sharing: number;
  merge_across_nodes: number;
  smart_scan: number;
  stable_node_chains_prune_millisecs: number;
  advisor_mode: "none" | "scan-time";
  advisor_max_cpu: number;
  advisor_min_pages_to_scan: number;
  advisor_max_pages_to_scan: number;
  advisor_target_scan_time: number;
}

/** A knob's name. */
export type KnobName = keyof Knobs;

/** Linux 6.18 defaults. */
export const DEFAULT_KNOBS: Readonly<Knobs> = {
  run: 0,
  pages_to_scan: 100,
  sleep_millisecs: 20,
  use_zero_pages: 0,
  max_page_sharing: 256,
  merge_across_nodes: 1,
  smart_scan: 1,
  stable_node_chains_prune_millisecs: 2000,
  advisor_mode: "none",
  advisor_max_cpu: 70,
  advisor_min_pages_to_scan: 500,
  advisor_max_pages_to_scan: 30000,
  advisor_target_scan_time: 200,
};

const UINT_MAX = 0xffff_ffff;
const ULONG_MAX = Number.MAX_SAFE_INTEGER;
const INT_MAX = 0x7fff_ffff;

interface KnobRule {
  /** How the kernel parses the value. */
  readonly parse: "uint" | "ulong" | "int" | "bool" | "mode";
  readonly min?: number;
  readonly max?: number;
  /** One line for `--help` and errors. */
  readonly doc: string;
}

/** How each knob is parsed and which values the kernel refuses with EINVAL. */
export const KNOB_RULES: Readonly<Record<KnobName, KnobRule>> = {
  run: { parse: "uint", max: 2, doc: "0 stop, 1 run ksmd, 2 stop and unmerge everything" },
  pages_to_scan: { parse: "uint", doc: "pages per ksmd batch (EINVAL while the advisor runs)" },
  sleep_millisecs: { parse: "uint", doc: "ksmd's sleep between batches, ms" },
  use_zero_pages: { parse: "bool", doc: "merge zero-filled pages with the zero page" },
  max_page_sharing: {
    parse: "int",
    min: 2,
    doc: "most mappings of one KSM page (EBUSY while pages are shared)",
  },
  merge_across_nodes: {
    parse: "ulong",
    max: 1,
    doc: "one tree for all NUMA nodes (EBUSY while pages are shared)",
  },
  smart_scan: { parse: "bool", doc: "skip pages that keep failing to merge" },
  stable_node_chains_prune_millisecs: { parse: "uint", doc: "least time between prunes of one chain, ms" },
  advisor_mode: { parse: "mode", doc: "none or scan-time" },
  advisor_max_cpu: { parse: "ulong", doc: "advisor CPU budget, percent of one CPU" },
  advisor_min_pages_to_scan: { parse: "ulong", doc: "pages_to_scan when the advisor starts" },
  advisor_max_pages_to_scan: { parse: "ulong", doc: "advisor cap on pages_to_scan" },
  advisor_target_scan_time: { parse: "ulong", min: 1, doc: "advisor target for one full scan, seconds" },
};

/** Whether `name` is a writable KSM knob. */
export function isKnobName(name: string): name is KnobName {
  return Object.hasOwn(KNOB_RULES, name);
}

/**
 * Parses a knob value as the kernel's store function would (kstrtouint, kstrtobool, …).
 * Returns the value, or a string saying what was expected (the kernel's EINVAL).
 */
export function parseKnob(name: KnobName, raw: unknown): number | "none" | "scan-time" | { error: string } {
  const rule = KNOB_RULES[name];
  if (rule.parse === "mode") {
    if (raw === "none" || raw === "scan-time") return raw;
    return { error: `"none" or "scan-time"` };
  }
  let v: number;
  if (typeof raw === "boolean") v = raw ? 1 : 0;
  else if (typeof raw === "number") v = raw;
  else if (typeof raw === "string" && /^\s*[+-]?\d+\s*$/.test(raw)) v = Number(raw.trim());
  else if (
    rule.parse === "bool" &&
    typeof raw === "string" &&
    /^(y|n|on|off|yes|no|true|false)$/i.test(raw.trim())
  )
    v = /^(y|on|yes|true)$/i.test(raw.trim()) ? 1 : 0;
  else return { error: describe(name) };
  if (!Number.isInteger(v)) return { error: describe(name) };
  const [lo, hi] = bounds(rule);
  if (v < lo || v > hi) return { error: describe(name) };
  return v;
}

function bounds(rule: KnobRule): [number, number] {
  const type = {
    uint: [0, UINT_MAX],
    ulong: [0, ULONG_MAX],
    int: [-INT_MAX - 1, INT_MAX],
    bool: [0, 1],
    mode: [0, 0],
  }[rule.parse] as [number, number];
  return [rule.min ?? type[0], rule.max ?? type[1]];
}

/** What values a knob accepts, in words. */
export function describe(name: KnobName): string {
  const rule = KNOB_RULES[name];
  if (rule.parse === "mode") return `"none" or "scan-time"`;
  if (rule.parse === "bool") return "0 or 1 (or true/false)";
  const [lo, hi] = bounds(rule);
  return `an integer from ${lo} to ${hi}`;
}
