import type { CostCounters } from "@ksm/contracts";
import { type ContentId, type ContentStore, PAGE_SIZE } from "@ksm/mm";

/** `memcmp_pages`: the order of two contents (<0, 0, >0), counted in `spent` as the bytes it read. */
export function memcmpPages(contents: ContentStore, spent: CostCounters, a: ContentId, b: ContentId): number {
  const r = contents.compare(a, b);
  spent.memcmp_calls++;
  spent.bytes_compared += Math.min(PAGE_SIZE, contents.lastCompareOffset + 1);
  return r;
}

/**
 * The page a tree search looks for, compared with each node on the search path as
 * `memcmp_pages` would. A content of plain pattern has a two-word key that orders it as
 * its bytes do, so comparing keys stands in for reading pages (counted the same way).
 * One probe per tree: {@link set} before each search; the tree's visitor reads it.
 */
export class SearchProbe {
  /** The content searched for. */
  content: ContentId = 0;
  /** Its memcmp key (see ContentStore.key), when {@link keyed}. */
  readonly key = new Uint32Array(2);
  /** Whether the content has a key. */
  keyed = false;

  constructor(
    private readonly contents: ContentStore,
    private readonly spent: CostCounters,
  ) {}

  /** Makes `content` the probe. */
  set(content: ContentId): void {
    this.content = content;
    this.keyed = this.contents.key(content, this.key);
  }

  /** `memcmp_pages(probe, content)`. */
  compare(content: ContentId): number {
    return memcmpPages(this.contents, this.spent, this.content, content);
  }

  /** `memcmp_pages` of the probe against a page known by its key, counted the same way. */
  compareKey(hi: number, lo: number): number {
    const phi = this.key[0]!;
    const plo = this.key[1]!;
    this.spent.memcmp_calls++;
    if (phi !== hi) {
      this.spent.bytes_compared += (Math.clz32(phi ^ hi) >>> 3) + 1;
      return phi < hi ? -1 : 1;
    }
    if (plo !== lo) {
      this.spent.bytes_compared += 4 + (Math.clz32(plo ^ lo) >>> 3) + 1;
      return plo < lo ? -1 : 1;
    }
    this.spent.bytes_compared += PAGE_SIZE;
    return 0;
  }
}
