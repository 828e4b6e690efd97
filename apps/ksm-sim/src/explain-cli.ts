import { PAGE_REASONS, PageExplainer, type PageReason } from "@ksm/core";
import { PAGE_SIZE } from "@ksm/mm";
import { buildSimulation, PolicyError, simulate, toJsonLine } from "@ksm/sim";
import type { CliIo } from "./run-cli.js";
import { UsageError } from "./usage-error.js";
import { loadWorkload } from "./workload.js";

/** Pages of one region (or captured VMA left out of the simulation) by reason. */
interface AreaSummary {
  readonly process: string;
  readonly area: string;
  /** Why a left-out VMA is not simulated (its pages all count as vma-unmergeable). */
  readonly rule?: string;
  readonly counts: Record<PageReason, number>;
}

const USAGE = "ksm-sim explain FILE [--process P] [--at LABEL] [--json]";

/**
 * `ksm-sim explain`: runs the scenario or capture up to the report `--at` names (default
 * the last) and says for every page why it is or is not merged there: a table per process
 * and region, or with `--json` one JSON line per page.
 */
export async function explainCommand(args: string[], io: CliIo): Promise<number> {
  let file: string | undefined;
  let process: string | undefined;
  let at: string | undefined;
  let json = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--json") json = true;
    else if (a === "--process" || a === "--at") {
      const v = args[++i];
      if (v === undefined || v.startsWith("--")) throw new UsageError(`${a} needs a value: ${USAGE}`);
      if (a === "--process") process = v;
      else at = v;
    } else if (a.startsWith("-")) throw new UsageError(`unknown flag "${a}" for "explain"; usage: ${USAGE}`);
    else if (file === undefined) file = a;
    else throw new UsageError(`"explain" takes one file; got a second one, "${a}"`);
  }
  if (file === undefined) throw new UsageError(`"explain" needs a scenario or capture file: ${USAGE}`);
  const { scenario, capture } = await loadWorkload(file, undefined);
  let sim: Awaited<ReturnType<typeof buildSimulation>>;
  try {
    sim = await buildSimulation({
      ...(scenario.profile === undefined ? {} : { profile: scenario.profile }),
      policies: { ...scenario.policies },
    });
  } catch (e) {
    if (e instanceof PolicyError) throw new UsageError(e.message);
    throw e;
  }

  const labels: string[] = [];
  let taken: { label: string; live: string[]; areas: AreaSummary[]; pages: string[] } | undefined;
  const onReport = (label: string, state: Parameters<NonNullable<typeof sim.onReport>>[1]) => {
    labels.push(label);
    if (at !== undefined && label !== at) return;
    if (at !== undefined && taken) return; // the first report of that label
    const explainer = new PageExplainer(state.ksm);
    const areas: AreaSummary[] = [];
    const pages: string[] = [];
    for (const [name, proc] of state.memory.processes) {
      if (process !== undefined && name !== process) continue;
      const byArea = new Map<string, AreaSummary>();
      for (const [region, r] of proc.regions) {
        // a captured VMA became one region per run of pages: count them together
        const area = capture?.vmaOfRegion.get(`${name}\0${region}`) ?? region;
        const summary = byArea.get(area) ?? { process: name, area, counts: zeroCounts() };
        byArea.set(area, summary);
        const counts = summary.counts;
        // a captured page's own virtual address: its region is named after the first one's
        const base = capture ? Number.parseInt(region.slice(region.lastIndexOf("@") + 1), 16) : Number.NaN;
        for (let i = 0; i < r.pages; i++) {
          const reason = explainer.explain(proc.mm, r.start + i);
          if (reason === null) continue;
          counts[reason]++;
          if (!json) continue;
          const at = Number.isNaN(base) ? {} : { address: `0x${(base + i * PAGE_SIZE).toString(16)}` };
          pages.push(toJsonLine({ process: name, region, page: i, reason, ...at }));
        }
      }
      const address = (a: AreaSummary) => Number.parseInt(a.area.slice(a.area.lastIndexOf("@") + 1), 16);
      const list = [...byArea.values()];
      // captured VMAs in address order; a scenario's regions as it lists them
      areas.push(...(capture ? list.sort((x, y) => address(x) - address(y)) : list));
    }
    taken = { label, live: [...state.memory.processes.keys()], areas, pages };
  };
  for (const _ of simulate(scenario, { ...sim, onReport }));
  if (!taken)
    throw new UsageError(
      at === undefined
        ? `${file} has no report step to explain at`
        : `--at ${at}: no report of that label; the reports are ${labels.map((l) => `"${l}"`).join(", ")}`,
    );
  if (process !== undefined && !taken.live.includes(process))
    throw new UsageError(
      `--process ${process}: no such live process at "${taken.label}"; there are ${taken.live.map((n) => `"${n}"`).join(", ")}`,
    );
  // captured VMAs the simulation leaves out: every page of theirs for the rule
  for (const v of capture?.vmas ?? []) {
    if (v.excluded === null || (process !== undefined && v.process !== process)) continue;
    const counts = zeroCounts();
    counts["vma-unmergeable"] = v.vma.pages.anon + v.vma.pages.file + v.vma.pages.zeroPfn;
    if (counts["vma-unmergeable"] === 0) continue;
    const area = v.name;
    taken.areas.push({ process: v.process, area, rule: v.excluded, counts });
    if (json)
      taken.pages.push(
        toJsonLine({
          process: v.process,
          vma: area,
          pages: counts["vma-unmergeable"],
          reason: "vma-unmergeable",
          rule: v.excluded,
        }),
      );
  }
  if (json) {
    for (const line of taken.pages) io.out(`${line}\n`);
    return 0;
  }
  io.out(formatSummary(taken.label, taken.areas));
  return 0;
}

function zeroCounts(): Record<PageReason, number> {
  return Object.fromEntries(PAGE_REASONS.map((r) => [r, 0])) as Record<PageReason, number>;
}

/** The summary: one row per region or left-out VMA, then a total per process. */
function formatSummary(label: string, areas: readonly AreaSummary[]): string {
  const cols = PAGE_REASONS.filter((r) => areas.some((a) => a.counts[r] > 0));
  const rows: string[][] = [];
  const byProcess = new Map<string, AreaSummary[]>();
  for (const a of areas) byProcess.set(a.process, [...(byProcess.get(a.process) ?? []), a]);
  for (const [proc, list] of byProcess) {
    for (const a of list)
      rows.push([proc, a.rule ? `${a.area} (${a.rule})` : a.area, ...cols.map((c) => String(a.counts[c]))]);
    rows.push([proc, "total", ...cols.map((c) => String(list.reduce((n, a) => n + a.counts[c], 0)))]);
  }
  const head = ["process", "region / VMA", ...cols];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    `  ${r.map((c, i) => (i < 2 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join("  ")}`;
  return `${[`[explain at ${label}] pages by why they are or are not merged`, line(head), ...rows.map(line)].join("\n")}\n`;
}
