import type { ContentId } from "./content.js";
import { NO_PFN, type Pfn } from "./frames.js";

/** No swap slot. */
export const NO_SLOT = -1;

/**
 * A swap device: slots holding page contents, each with its swap count (the PTEs that
 * still refer to it) and the swap-cache frame currently holding its page, if any.
 */
export class SwapDevice {
  readonly content: Uint32Array;
  /** swap_map: PTEs (swap entries) referring to each slot. */
  readonly count: Int32Array;
  /** The frame in the swap cache for each slot (NO_PFN when none). */
  readonly cache: Int32Array;
  private readonly free: Int32Array;
  private freeCount: number;

  constructor(readonly slots: number) {
    this.content = new Uint32Array(slots);
    this.count = new Int32Array(slots);
    this.cache = new Int32Array(slots).fill(NO_PFN);
    this.free = new Int32Array(slots);
    for (let i = 0; i < slots; i++) this.free[i] = slots - 1 - i;
    this.freeCount = slots;
  }

  /** Slots in use. */
  get used(): number {
    return this.slots - this.freeCount;
  }

  /** A slot holding `content`, referred to by `count` PTEs; NO_SLOT when the device is full. */
  alloc(content: ContentId, count: number): number {
    if (this.freeCount === 0) return NO_SLOT;
    const slot = this.free[--this.freeCount]!;
    this.content[slot] = content;
    this.count[slot] = count;
    this.cache[slot] = NO_PFN;
    return slot;
  }

  /** Drops one reference; returns whether the slot became free (its cache frame then leaves the cache). */
  put(slot: number): boolean {
    if (--this.count[slot]! > 0) return false;
    this.free[this.freeCount++] = slot;
    return true;
  }

  /** The frame caching `slot`, or NO_PFN. */
  cached(slot: number): Pfn {
    return this.cache[slot]!;
  }
}
