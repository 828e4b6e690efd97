import type { ReclaimPolicy } from "@ksm/contracts";

/**
 * The kernel's two lists, simplified: frames start inactive; a referenced inactive frame is
 * promoted to the active list instead of being reclaimed; victims come from the inactive
 * list, oldest first; when it runs short the oldest active frames are demoted (their
 * accessed bits cleared) and get one more look.
 */
export function lruReclaim(): ReclaimPolicy {
  const active = new Set<number>();
  return {
    name: "lru",
    selectVictims(candidates, count, ctx) {
      const live = new Set(candidates);
      for (const pfn of active) if (!live.has(pfn)) active.delete(pfn);
      const byAge = [...candidates].sort((a, b) => ctx.allocSeq(a) - ctx.allocSeq(b));
      const out: number[] = [];
      for (let pass = 0; pass < 2 && out.length < count; pass++) {
        for (const pfn of byAge) {
          if (out.length >= count) break;
          if (active.has(pfn) || out.includes(pfn)) continue;
          if (ctx.referenced(pfn)) active.add(pfn);
          else out.push(pfn);
        }
        if (out.length < count) {
          // shrink the active list: its oldest half goes back to inactive
          const demote = byAge.filter((p) => active.has(p)).slice(0, Math.ceil(active.size / 2));
          for (const pfn of demote) active.delete(pfn);
        }
      }
      return out;
    },
  };
}
