/** A free MM slot (`MM_ID_DUMMY`). */
const NO_MM = -1;

/** What a THP folio knows of its mappings: `_large_mapcount`, `_mm_id[2]`, `_mm_id_mapcount[2]`. */
interface FolioMaps {
  /** Page table entries mapping the folio: a PMD counts one, as each PTE does. */
  total: number;
  /** The two MMs whose mappings are counted apart (NO_MM: a free slot). */
  ids: [number, number];
  /** The mappings counted to each slot, which may be fewer than its MM has. */
  counts: [number, number];
  /** FOLIO_MM_IDS_SHARED_BIT: the folio may be mapped by more than one MM. */
  shared: boolean;
}

/** The slot holding MM `mmId` (NO_MM: the first free one), or -1. */
function slotOf(f: FolioMaps, mmId: number): 0 | 1 | -1 {
  return f.ids[0] === mmId ? 0 : f.ids[1] === mmId ? 1 : -1;
}

/**
 * The large mapcount of each THP folio with its two MM slots (CONFIG_MM_ID), by which
 * 6.18 tells whether a PTE-mapped THP is exclusive to the MM writing it
 * (`folio_maybe_mapped_shared`). A folio is keyed by its block (head pfn >>> THP_ORDER).
 *
 * An MM takes a free slot when it maps the folio; an MM arriving with both slots taken is
 * counted in the total only. The shared bit is set when a second MM takes a slot or the
 * first one arrives while other mappings exist, and cleared only when an unmapping leaves
 * one slot holding every mapping. So the bit can stay set while one MM is left: after a
 * third MM maps it, or after an MM took a slot with mappings it made before uncounted.
 * The arithmetic is the kernel's (`folio_add_large_mapcount`, `folio_sub_large_mapcount`).
 */
export class LargeMapcounts {
  private readonly folios = new Map<number, FolioMaps>();

  /** `folio_set_large_mapcount`: a new folio mapped `n` times by MM `mmId` (a PMD: 1). */
  init(block: number, mmId: number, n: number): void {
    this.folios.set(block, { total: n, ids: [mmId, NO_MM], counts: [n, 0], shared: false });
  }

  /** `folio_add_large_mapcount`: MM `mmId` maps the folio `n` more times. */
  add(block: number, mmId: number, n: number): void {
    const f = this.folios.get(block);
    if (!f) return;
    const before = f.total;
    f.total += n;
    const own = slotOf(f, mmId);
    if (own !== -1) {
      f.counts[own] += n;
      return;
    }
    const slot = slotOf(f, NO_MM); // slot 0 first, as the kernel takes them
    if (slot === -1) return;
    f.ids[slot] = mmId;
    f.counts[slot] = n;
    if (slot === 1 || before !== 0) f.shared = true;
  }

  /** `folio_sub_large_mapcount`: MM `mmId` unmaps the folio `n` times. */
  sub(block: number, mmId: number, n: number): void {
    const f = this.folios.get(block);
    if (!f) return;
    f.total -= n;
    const slot = slotOf(f, mmId);
    if (slot !== -1) {
      f.counts[slot] -= n;
      if (f.counts[slot] > 0) return;
      f.counts[slot] = 0;
      f.ids[slot] = NO_MM;
    }
    if (f.counts[0] === f.total || f.counts[1] === f.total) f.shared = false;
  }

  /** `folio_large_mapcount`: the folio's page table entries (0 for no THP folio). */
  mapcount(block: number): number {
    return this.folios.get(block)?.total ?? 0;
  }

  /** `folio_maybe_mapped_shared` of a THP folio: set while more than one MM may map it. */
  maybeMappedShared(block: number): boolean {
    return this.folios.get(block)?.shared ?? false;
  }

  /** The folio is split or freed: order-0 pages have no large mapcount. */
  drop(block: number): void {
    this.folios.delete(block);
  }
}
