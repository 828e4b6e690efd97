import { anonVmaPrepare } from "./anon-vma.js";
import type { ContentId } from "./content.js";
import { NO_PFN, type Pfn, PG_ANON, PG_ANON_EXCLUSIVE, PG_SWAPBACKED, PG_SWAPCACHE } from "./frames.js";
import type { Machine } from "./machine.js";
import type { Mm } from "./mm.js";
import { PTE_PRESENT, PTE_SWAP, PTE_YOUNG } from "./page-table.js";
import { splitHugePage } from "./thp.js";
import { linearPageIndex, type Vma } from "./vma.js";

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

  /** `swap_duplicate`: one more PTE refers to `slot` (fork copied a swap entry). */
  dup(slot: number): void {
    this.count[slot]!++;
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

/**
 * Replaces every given mapping of `pfn` by a swap entry for a new slot holding its
 * content, and frees the frame (the end of reclaim: `try_to_unmap`, writeback and
 * `__remove_mapping` in one). Returns false, changing nothing, when swap is full or absent.
 * Which frames go, and finding their mappings, is the caller's (`@ksm/swap`: a reclaim
 * policy and the rmap walk).
 */
export function swapOut(m: Machine, pfn: Pfn, mappings: readonly { mm: Mm; vpn: number }[]): boolean {
  m.epoch++;
  const swap = m.swap;
  if (!swap || mappings.length === 0) return false;
  // reclaim splits a THP and writes out its pages one by one; a zero-filled one is gone
  if (splitHugePage(m, pfn) && m.frames.mapcount[pfn] !== mappings.length) return false;
  const slot = swap.alloc(m.frames.content[pfn]!, mappings.length);
  if (slot === NO_SLOT) return false;
  const f = m.frames;
  for (const { mm, vpn } of mappings) {
    mm.pt.set(vpn, slot, PTE_SWAP);
    f.mapcount[pfn]!--;
    f.put(pfn);
  }
  m.vmstat.pswpout++;
  return true;
}

/**
 * `do_swap_page`: brings the page of the swap entry at `vpn` back, through the swap cache,
 * and maps it read-only (a write then takes the copy-on-write path). A page another process
 * already brought in is reused only where `ksm_might_need_to_copy` allows (KSM decides for
 * its own pages through `KsmHooks.ksmFolioReusable`); otherwise the process gets its own
 * copy (`ksm_swpin_copy`).
 */
export function swapIn(m: Machine, mm: Mm, vma: Vma, vpn: number): void {
  const swap = m.swap!;
  const f = m.frames;
  const slot = mm.pt.pfn(vpn);
  let page = swap.cached(slot);
  if (page === NO_PFN) {
    page = f.alloc(swap.content[slot]!, m.nodeFor(vma));
    f.flags[page] = PG_ANON | PG_SWAPBACKED | PG_SWAPCACHE;
    f.setSwapSlot(page, slot);
    swap.cache[slot] = page;
    m.vmstat.pswpin++;
  }
  let target = page;
  if (ksmMightNeedToCopy(m, page, vma, vpn)) {
    target = f.alloc(f.content[page]!, m.nodeFor(vma));
    f.flags[target] = PG_ANON | PG_SWAPBACKED;
    f.refcount[target] = 0;
    m.vmstat.ksm_swpin_copy++;
  }
  if (!f.isKsm(target) && f.anonVma[target] === -1) {
    f.anonVma[target] = anonVmaPrepare(m, vma).id;
    f.index[target] = linearPageIndex(vma, vpn);
  }
  f.map(target);
  mm.pt.set(vpn, target, PTE_PRESENT | PTE_YOUNG);
  swapFree(m, slot);
  if (f.refcount[target] === 1 && f.mapcount[target] === 1 && !f.isKsm(target))
    f.flags[target]! |= PG_ANON_EXCLUSIVE;
}

/** `ksm_might_need_to_copy`: whether a swap-cache page must be copied for this mapping. */
function ksmMightNeedToCopy(m: Machine, pfn: Pfn, vma: Vma, vpn: number): boolean {
  const f = m.frames;
  if (f.isKsm(pfn)) return !m.hooks?.ksmFolioReusable(pfn);
  const av = f.anonVma[pfn]!;
  if (av === -1) return false;
  return !(
    f.index[pfn] === linearPageIndex(vma, vpn) &&
    vma.anonVma !== null &&
    m.anonVmas.get(av)?.root === vma.anonVma.root
  );
}

/**
 * `swap_free` of a swap entry that was mapped or zapped: drops its reference; a slot left
 * unused leaves the swap cache (its frame loses the cache's reference) and the device.
 */
export function swapFree(m: Machine, slot: number): void {
  const swap = m.swap!;
  const cached = swap.cached(slot);
  if (!swap.put(slot)) return;
  if (cached !== NO_PFN) {
    swap.cache[slot] = NO_PFN;
    m.frames.flags[cached]! &= ~PG_SWAPCACHE;
    m.frames.setSwapSlot(cached, -1);
    m.frames.put(cached);
  }
}
