import { ScenarioError } from "./errors.js";
import type { LiveRegion } from "./live-region.js";
import type { FillSpec, RegionSpec } from "./types.js";
import { allowOnly, array, boolean, integer, object, parseContent, parseRange, string } from "./validate.js";

/** The fields of a region in format v1 (v2 adds `hugepage` and `keepHugepage`). */
export const REGION_FIELDS = ["name", "pages", "mergeable", "fill", "node"] as const;
const V2_REGION_FIELDS = [...REGION_FIELDS, "hugepage", "keepHugepage"];

/**
 * Validates a region of a process, or the fields of an `mmap` step (`fromStep`: its name is
 * the step's `region`, and the step's fields were checked already), and adds it to
 * `regions`. Returns the region with its fills (a process's; an `mmap` step stays as it is).
 */
export function parseRegion(
  v: unknown,
  path: string,
  regions: Map<string, LiveRegion>,
  nodes: number,
  v2: boolean,
  fromStep = false,
): RegionSpec {
  const o = object(v, path);
  if (!fromStep) allowOnly(o, path, v2 ? V2_REGION_FIELDS : REGION_FIELDS, v2 ? undefined : V2_REGION_FIELDS);
  const nameKey = fromStep ? "region" : "name";
  const rname = string(o[nameKey], `${path}.${nameKey}`);
  if (regions.has(rname))
    throw new ScenarioError(`${path}.${nameKey}`, "a region name unique within its process", rname);
  const pages = integer(o.pages, `${path}.pages`, 1, 2 ** 28);
  if (o.mergeable !== undefined) boolean(o.mergeable, `${path}.mergeable`);
  if (o.node !== undefined) integer(o.node, `${path}.node`, 0, nodes - 1);
  if (o.hugepage !== undefined) boolean(o.hugepage, `${path}.hugepage`);
  if (o.keepHugepage !== undefined) boolean(o.keepHugepage, `${path}.keepHugepage`);
  const fill = array(o.fill ?? [], `${path}.fill`).map((f, j): FillSpec => {
    const fp = `${path}.fill[${j}]`;
    const fo = object(f, fp);
    allowOnly(fo, fp, ["range", "content"]);
    const range = fo.range === undefined ? undefined : parseRange(fo.range, `${fp}.range`, pages);
    const count = range ? range[1] - range[0] : pages;
    const content = parseContent(fo.content, `${fp}.content`, count);
    return range ? { range, content } : { content };
  });
  regions.set(rname, { pages, prot: null });
  return { ...(o as unknown as RegionSpec), fill };
}
