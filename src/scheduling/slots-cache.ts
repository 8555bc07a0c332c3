/**
 * A short-lived, in-process cache of public slot answers. A booking page asks for the same range over and over;
 * computing it costs several queries, answering from memory costs nothing. Correctness does not depend on it: a
 * booking always checks availability against the database and the database refuses overlaps.
 *
 * Entries die after `ttlMs` (minimum notice moves with the clock) and at once when what they were computed from
 * changes: a host's bookings or busy rows (that host's answers only), or anything of the tenant (schedules, event
 * types, hosts: all its answers). A change made here is also broadcast (`broadcast`, PostgreSQL NOTIFY) and a change
 * made by another process arrives through `apply`, so no process keeps offering a slot another one has just booked.
 *
 * Each change takes the next number of one counter and records it against its tenant or hosts. An answer carries the
 * counter's value from before its first read (its ticket); it is served only while none of its tenant and hosts has
 * changed after that ticket. So an answer whose reads raced a change is never stored as if it were fresh.
 */
export interface AvailabilityChange {
  tenantId: string;
  /** The hosts whose availability changed; absent: anything of the tenant may have. */
  hostIds?: readonly string[];
}

export interface SlotsCache {
  /** Taken before reading anything an answer is computed from. */
  ticket(): number;
  get(key: string): unknown | undefined;
  set(key: string, scope: AvailabilityChange, ticket: number, value: unknown): void;
  /** A change made by this process: applied here and broadcast to the others. */
  invalidate(change: AvailabilityChange): void;
  /** A change another process made (or every change, when some may have been missed: `"all"`). */
  apply(change: AvailabilityChange | "all"): void;
}

interface Entry {
  value: unknown;
  scope: AvailabilityChange;
  ticket: number;
  expiresAt: number;
}

export function createSlotsCache(options: {
  ttlMs: number;
  maxEntries: number;
  now?: () => number;
  broadcast?: (change: AvailabilityChange) => void;
}): SlotsCache {
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();
  // Keyed by tenant and host ids (ours, not request input); past the bound they are forgotten all at once, and
  // every answer from before is then treated as stale (`floor`).
  const changedAt = new Map<string, number>();
  const maxTracked = options.maxEntries * 20;
  let counter = 0;
  let floor = 0;

  const fresh = (entry: Entry): boolean => {
    if (entry.expiresAt <= now() || entry.ticket < floor) return false;
    if ((changedAt.get(`t:${entry.scope.tenantId}`) ?? 0) > entry.ticket) return false;
    for (const hostId of entry.scope.hostIds ?? [])
      if ((changedAt.get(`h:${hostId}`) ?? 0) > entry.ticket) return false;
    return true;
  };

  const apply = (change: AvailabilityChange | "all") => {
    counter++;
    if (change === "all" || changedAt.size > maxTracked) {
      changedAt.clear();
      floor = counter;
      if (change === "all") return;
    }
    if (change.hostIds) for (const hostId of change.hostIds) changedAt.set(`h:${hostId}`, counter);
    else changedAt.set(`t:${change.tenantId}`, counter);
  };

  return {
    ticket: () => counter,
    get(key) {
      const entry = entries.get(key);
      if (!entry) return undefined;
      if (!fresh(entry)) {
        entries.delete(key);
        return undefined;
      }
      return entry.value;
    },
    set(key, scope, ticket, value) {
      const entry = { value, scope, ticket, expiresAt: now() + options.ttlMs };
      // Computed from reads that raced a change: not worth keeping.
      if (!fresh(entry)) return;
      if (entries.size >= options.maxEntries && !entries.has(key)) {
        // Oldest first: Map iteration follows insertion order.
        const oldest = entries.keys().next();
        if (!oldest.done) entries.delete(oldest.value);
      }
      entries.set(key, entry);
    },
    invalidate(change) {
      apply(change);
      options.broadcast?.(change);
    },
    apply,
  };
}
