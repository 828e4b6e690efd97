import type { ChecksumPolicy, CostCounters } from "@ksm/contracts";
import {
  type ContentId,
  type ContentStore,
  grown,
  PAGE_SIZE,
  SPARSE_MAX,
  UNIQUE_BASE,
  ZERO_CONTENT,
} from "@ksm/mm";
import type { RmapItems } from "./rmap-item.js";

/**
 * Checksums of one range of content ids (interned or unique), by index in the range, with a
 * bit each for whether it is known yet.
 */
class ChecksumColumn {
  private sums = new Uint32Array(0);
  private known = new Uint32Array(0);

  /** The checksum of index `i`, or -1 while it is not known. */
  get(i: number): number {
    return i < this.sums.length && (this.known[i >>> 5]! >>> (i & 31)) & 1 ? this.sums[i]! : -1;
  }

  /**
   * Records index `i`'s checksum. `handedOut`: the ids the range has handed out so far, which
   * the column grows to at once (all of a scenario's memory is written before its first
   * scan), or else by half.
   */
  set(i: number, sum: number, handedOut: number): void {
    if (i >= this.sums.length) {
      const n = Math.max(1024, handedOut, Math.ceil(i * 1.5) + 1);
      this.sums = grown(this.sums, n);
      this.known = grown(this.known, (n + 31) >>> 5);
    }
    this.sums[i] = sum;
    this.known[i >>> 5]! |= 1 << (i & 31);
  }
}

/**
 * `calc_checksum` and the volatility filter of `cmp_and_merge_page`: a page must keep its
 * checksum over two visits before it is looked up in a tree. A content never changes, so
 * its checksum is computed once and cached per content id (interned contents and unique
 * ones in columns of their own).
 */
export class PageChecksums {
  /** The checksum of a zero-filled page (`zero_checksum`). */
  readonly zero: number;
  private readonly interned = new ChecksumColumn();
  private readonly unique = new ChecksumColumn();
  private readonly page = new Uint8Array(PAGE_SIZE);
  /** A content's words, for a policy's `checksumWords`. */
  private readonly word = new Uint32Array(2);
  private readonly patches = new Uint32Array(3 * SPARSE_MAX);

  /** Checksums with `policy` of `contents`, counting the work in `spent`; `items` keep `oldchecksum`. */
  constructor(
    private readonly policy: ChecksumPolicy,
    private readonly contents: ContentStore,
    private readonly items: RmapItems,
    private readonly spent: CostCounters,
  ) {
    this.zero = this.of(ZERO_CONTENT);
  }

  /** `calc_checksum` of a content, counted as one page hashed. */
  of(content: ContentId): number {
    this.spent.checksums++;
    this.spent.bytes_hashed += PAGE_SIZE;
    const unique = content >= UNIQUE_BASE;
    const column = unique ? this.unique : this.interned;
    const i = unique ? content - UNIQUE_BASE : content;
    const known = column.get(i);
    if (known !== -1) return known;
    const patched = this.policy.checksumWords
      ? this.contents.pageWords(content, this.word, this.patches)
      : -1;
    const sum =
      (patched >= 0
        ? this.policy.checksumWords!(this.word[0]!, this.word[1]!, this.patches, patched)
        : this.policy.checksum(this.contents.bytes(content, this.page))) >>> 0;
    column.set(i, sum, unique ? this.contents.uniqueCount : this.contents.internedCount);
    return sum;
  }

  /**
   * The volatility filter: records the checksum of `content` (the page of `item`) as the
   * item's `oldchecksum` and says whether it changed since the last visit.
   */
  changed(item: number, content: ContentId): boolean {
    if (this.policy.constant) return false;
    const checksum = this.of(content);
    if (this.items.oldchecksum[item] === checksum) return false;
    this.items.oldchecksum[item] = checksum;
    return true;
  }

  /** Whether the item's last recorded checksum is the zero page's (or the policy cannot tell pages apart). */
  maybeZero(item: number): boolean {
    return this.items.oldchecksum[item] === this.zero || this.policy.constant === true;
  }
}
