/**
 * A short-lived, in-process cache of public slot answers. A booking page asks for the same range over and over;
 * computing it costs several queries, answering from memory costs nothing. Correctness does not depend on it: a
 * booking always checks availability against the database and the database refuses overlaps.
 *
 * Entries die after `ttlMs` (minimum notice moves with the clock; calendars of other processes change) and at once
 * when this process changes anything of the tenant (bookings, schedules, event types, hosts, connections): each
 * tenant has a generation number, and an entry from an older generation is ignored.
 */
export interface SlotsCache {
  get(key: string): unknown | undefined;
  set(key: string, tenantId: string, value: unknown): void;
  invalidateTenant(tenantId: string): void;
}

export function createSlotsCache(options: {
  ttlMs: number;
  maxEntries: number;
  now?: () => number;
}): SlotsCache {
  const now = options.now ?? Date.now;
  const entries = new Map<
    string,
    { value: unknown; tenantId: string; generation: number; expiresAt: number }
  >();
  const generations = new Map<string, number>();
  return {
    get(key) {
      const entry = entries.get(key);
      if (!entry) return undefined;
      if (entry.expiresAt <= now() || entry.generation !== (generations.get(entry.tenantId) ?? 0)) {
        entries.delete(key);
        return undefined;
      }
      return entry.value;
    },
    set(key, tenantId, value) {
      if (entries.size >= options.maxEntries) {
        // Oldest first: Map iteration follows insertion order.
        const oldest = entries.keys().next();
        if (!oldest.done) entries.delete(oldest.value);
      }
      entries.set(key, {
        value,
        tenantId,
        generation: generations.get(tenantId) ?? 0,
        expiresAt: now() + options.ttlMs,
      });
    },
    invalidateTenant(tenantId) {
      generations.set(tenantId, (generations.get(tenantId) ?? 0) + 1);
    },
  };
}
