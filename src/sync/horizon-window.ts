import { syncWindow } from "../jobs/calendar-sync-jobs.ts";
import { longestBookingHorizon } from "../store/booking-horizon.ts";
import type { Database } from "../store/database.ts";
import type { TenantId } from "../store/ids.ts";

/** The shortest window synced, whatever the horizons: a tenant adding an event type finds a month already there. */
export const MIN_SYNC_WINDOW_DAYS = 30;

/**
 * The days a tenant's calendars are mirrored ahead: its longest booking horizon, plus the days a calendar may go
 * unsynced before its host is blocked (STALE_CALENDAR_MINUTES) and one more, so the last bookable day is covered
 * by any sync that still counts as fresh; at least MIN_SYNC_WINDOW_DAYS, at most SYNC_WINDOW_DAYS (also what an
 * event type without a horizon, or a tenant without event types, gets).
 */
export function horizonWindowDays(
  horizon: { unbounded: boolean; days: number | null },
  settings: { maxDays: number; staleMinutes: number },
): number {
  // No horizon to size it by (an event type without one, or no event type yet: the tenant may be using Calbridge for
  // managed events and calendar reads only): the whole SYNC_WINDOW_DAYS.
  if (horizon.unbounded || horizon.days === null) return settings.maxDays;
  const slack = Math.ceil(settings.staleMinutes / 1440) + 1;
  const wanted = Math.max(MIN_SYNC_WINDOW_DAYS, (horizon.days ?? 0) + slack);
  return Math.min(settings.maxDays, wanted);
}

/** The sync engine's `window` (ConnectionSyncDeps): the tenant's horizon-sized window from `now`. */
export function horizonSyncWindow(deps: { db: Database; maxDays: number; staleMinutes: number }) {
  return async (now: Date, tenantId: TenantId): Promise<{ from: Date; to: Date }> => {
    const horizon = await longestBookingHorizon(deps.db, { tenantId, now });
    return syncWindow(now, horizonWindowDays(horizon, deps));
  };
}
