/**
 * The flags `vma_ksm_compatible` (mm/ksm.c, Linux 6.18) refuses, by their `VmFlags`
 * mnemonic in /proc/PID/smaps. KSM also refuses DAX mappings (`vma_is_dax`), and VM_SAO /
 * VM_SPARC_ADI on powerpc and sparc: smaps shows none of these, so a capture cannot see them.
 */
export const KSM_INCOMPATIBLE_FLAGS: Readonly<Record<string, string>> = {
  sh: "VM_SHARED",
  ms: "VM_MAYSHARE",
  pf: "VM_PFNMAP",
  io: "VM_IO",
  de: "VM_DONTEXPAND",
  ht: "VM_HUGETLB",
  mm: "VM_MIXEDMAP",
  dp: "VM_DROPPABLE",
};

/**
 * `vma_ksm_compatible` as far as smaps shows it: null when KSM may merge pages of a VMA with
 * these `VmFlags`, else the offending flags' kernel names joined by `|`.
 */
export function ksmIncompatibility(vmFlags: readonly string[]): string | null {
  const bad = vmFlags
    .filter((f) => Object.hasOwn(KSM_INCOMPATIBLE_FLAGS, f))
    .map((f) => KSM_INCOMPATIBLE_FLAGS[f]!);
  return bad.length ? bad.join("|") : null;
}

/** A VMA as /proc/PID/smaps lists it (addresses in bytes). */
export interface SmapsVma {
  readonly start: number;
  readonly end: number;
  /** `rwxp` / `rwxs` as in maps. */
  readonly perms: string;
  readonly offset: number;
  readonly dev: string;
  readonly inode: number;
  /** File path or `[heap]`, `[stack]`…; empty for anonymous memory. */
  readonly path: string;
  /** The two-letter `VmFlags` of smaps. */
  readonly vmFlags: readonly string[];
}

const HEADER = /^([0-9a-f]+)-([0-9a-f]+) ([r-][w-][x-][ps]) ([0-9a-f]+) ([0-9a-f]+:[0-9a-f]+) (\d+)\s*(.*)$/;

/**
 * Parses the text of /proc/PID/smaps: one entry per VMA with its maps line and `VmFlags`.
 * Throws a RangeError naming the line that is neither.
 */
export function parseSmaps(text: string): SmapsVma[] {
  const out: SmapsVma[] = [];
  let cur: { -readonly [K in keyof SmapsVma]: SmapsVma[K] } | undefined;
  const lines = text.split("\n");
  for (const [i, line] of lines.entries()) {
    if (line === "") continue;
    const m = HEADER.exec(line);
    if (m) {
      cur = {
        start: Number.parseInt(m[1]!, 16),
        end: Number.parseInt(m[2]!, 16),
        perms: m[3]!,
        offset: Number.parseInt(m[4]!, 16),
        dev: m[5]!,
        inode: Number(m[6]),
        path: m[7]!,
        vmFlags: [],
      };
      out.push(cur);
    } else if (line.startsWith("VmFlags:")) {
      if (!cur) throw new RangeError(`smaps line ${i + 1}: VmFlags before any VMA`);
      cur.vmFlags = line.slice(8).trim().split(/\s+/).filter(Boolean);
    } else if (!/^[A-Za-z_]+:/.test(line))
      throw new RangeError(`smaps line ${i + 1} is not understood: ${line}`);
  }
  return out;
}
