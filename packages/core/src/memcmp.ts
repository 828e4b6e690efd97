import type { CostCounters } from "@ksm/contracts";
import { type ContentId, type ContentStore, KEY_EXACT, NO_KEY, PAGE_SIZE } from "@ksm/mm";

/** `memcmp_pages`: the order of two contents (<0, 0, >0), counted in `spent` as the bytes it read. */
export function memcmpPages(contents: ContentStore, spent: CostCounters, a: ContentId, b: ContentId): number {
  const r = contents.compare(a, b);
  spent.memcmp_calls++;
  spent.bytes_compared += Math.min(PAGE_SIZE, contents.lastCompareOffset + 1);
  return r;
}

/** {@link SearchProbe.compareKey}: the keys are equal but do not decide (compare the pages). */
export const KEY_TIE = 2;

/**
 * The page a tree search looks for, compared with each node on the search path as
 * `memcmp_pages` would. A content's key (ContentStore.key: its first 8 bytes, the whole
 * page for a plain pattern) orders it as its bytes do, so comparing keys stands in for
 * reading pages (counted the same way) wherever the keys differ, or both are exact.
 * One probe per tree: {@link set} before each search; the tree's visitor reads it.
 */
export class SearchProbe {
  /** The content searched for. */
  content: ContentId = 0;
  /** Its memcmp key (see ContentStore.key), when {@link keyed}. */
  readonly key = new Uint32Array(2);
  /** What its key is: NO_KEY, KEY_EXACT or KEY_PREFIX (ContentStore.key); trees keep it with the key. */
  keyed = NO_KEY;

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

  /**
   * `memcmp_pages` of the probe against a page known by its key and key kind (`keyed`,
   * as ContentStore.key returned it), counted the same way; {@link KEY_TIE}, counting
   * nothing, when the keys are equal but one of them is only a prefix.
   */
  compareKey(hi: number, lo: number, keyed: number): number {
    const phi = this.key[0]!;
    const plo = this.key[1]!;
    if (phi === hi && plo === lo && (this.keyed !== KEY_EXACT || keyed !== KEY_EXACT)) return KEY_TIE;
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
