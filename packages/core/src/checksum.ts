import type { ChecksumPolicy, CostCounters } from "@ksm/contracts";
import { type ContentId, type ContentStore, grown, PAGE_SIZE, UNIQUE_BASE, ZERO_CONTENT } from "@ksm/mm";
import type { RmapItems } from "./rmap-item.js";

/**
 * `calc_checksum` and the volatility filter of `cmp_and_merge_page`: a page must keep its
 * checksum over two visits before it is looked up in a tree. A content never changes, so
 * its checksum is computed once and cached per content id (interned contents and unique
 * ones in separate typed arrays).
 */
export class PageChecksums {
  /** The checksum of a zero-filled page (`zero_checksum`). */
  readonly zero: number;
  private sums = new Uint32Array(0);
  private sumKnown = new Uint8Array(0);
  private usums = new Uint32Array(0);
  private usumKnown = new Uint8Array(0);
  private readonly page = new Uint8Array(PAGE_SIZE);

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
    const i = unique ? content - UNIQUE_BASE : content;
    if (
      unique ? i < this.usumKnown.length && this.usumKnown[i] : i < this.sumKnown.length && this.sumKnown[i]
    )
      return unique ? this.usums[i]! : this.sums[i]!;
    const sum = this.policy.checksum(this.contents.bytes(content, this.page)) >>> 0;
    if (unique) {
      if (i >= this.usums.length) {
        this.usums = grown(this.usums, Math.max(1024, i * 2));
        this.usumKnown = grown(this.usumKnown, Math.max(1024, i * 2));
      }
      this.usums[i] = sum;
      this.usumKnown[i] = 1;
    } else {
      if (i >= this.sums.length) {
        this.sums = grown(this.sums, Math.max(1024, i * 2));
        this.sumKnown = grown(this.sumKnown, Math.max(1024, i * 2));
      }
      this.sums[i] = sum;
      this.sumKnown[i] = 1;
    }
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
