import type { Logger } from "../observability/logger.ts";
import { createCalendarSource, type SourceSettings } from "../providers/source-registry.ts";
import { getConnectionForSync, listConnectionsDue } from "../store/connections-repository.ts";
import type { Database } from "../store/database.ts";
import { type SyncOutcome, syncCalendar } from "../sync/sync-calendar.ts";
import type { JobEngine } from "./job-engine.ts";

export const CALENDAR_SYNC_QUEUE = "calendar.sync";
export const CALENDAR_POLL_QUEUE = "calendar.poll";

/** How far around "now" a calendar is mirrored into the busy cache: the longest booking horizon we serve. */
export function syncWindow(now: Date): { from: Date; to: Date } {
  return { from: new Date(now.getTime() - 86_400_000), to: new Date(now.getTime() + 366 * 86_400_000) };
}

export interface CalendarSyncDeps {
  db: Database;
  settings: SourceSettings;
  logger: Logger;
  now?: () => Date;
}

/** Syncs every calendar of one connection now; used by the job and by "sync now". */
export async function syncConnection(
  deps: CalendarSyncDeps,
  connectionId: string,
): Promise<SyncOutcome | undefined> {
  const now = deps.now ?? (() => new Date());
  const loaded = await getConnectionForSync(deps.db, connectionId);
  if (!loaded) return undefined; // deleted meanwhile
  const { connection, hostTimeZone } = loaded;
  const built = createCalendarSource(connection, deps.settings);
  if (!built.ok) {
    deps.logger.warn({ connectionId, provider: connection.provider }, built.message);
    return { status: "failed", error: { kind: "unavailable", message: built.message } };
  }
  const calendars = await built.source.listCalendars();
  if (!calendars.ok) return { status: "failed", error: calendars.error };
  let last: SyncOutcome | undefined;
  for (const calendar of calendars.value) {
    last = await syncCalendar({
      db: deps.db,
      source: built.source,
      target: {
        tenantId: connection.tenantId,
        hostId: connection.hostId,
        connectionId: connection.id,
        calendarRef: calendar.ref,
        hostTimeZone,
      },
      window: syncWindow(now()),
      now,
    });
    deps.logger.info({ connectionId, calendar: calendar.ref, outcome: last }, "calendar synced");
  }
  return last;
}

/**
 * `calendar.sync` pulls one connection; `calendar.poll` runs every minute and enqueues connections whose last
 * attempt is older than the polling interval (push notifications, later, only make it sooner: sync-failure-modes #2).
 */
export async function registerCalendarSyncJobs(
  deps: CalendarSyncDeps & { jobs: JobEngine; pollMinutes: number },
): Promise<void> {
  const now = deps.now ?? (() => new Date());
  await deps.jobs.register<{ connectionId: string }>({
    name: CALENDAR_SYNC_QUEUE,
    retryLimit: 2,
    retryDelaySeconds: 30,
    expireInSeconds: 300,
    async handle(data) {
      await syncConnection(deps, data.connectionId);
    },
  });
  await deps.jobs.register<Record<string, never>>({
    name: CALENDAR_POLL_QUEUE,
    retryLimit: 0,
    async handle() {
      const due = await listConnectionsDue(deps.db, {
        provider: "ics",
        before: new Date(now().getTime() - deps.pollMinutes * 60_000),
        limit: 500,
      });
      for (const connectionId of due) await enqueueConnectionSync(deps.jobs, connectionId);
    },
  });
  await deps.jobs.boss.schedule(CALENDAR_POLL_QUEUE, "* * * * *", {});
}

export async function enqueueConnectionSync(jobs: JobEngine, connectionId: string): Promise<void> {
  // One queued sync per connection at a time (singleton within a minute window).
  await jobs.send(
    CALENDAR_SYNC_QUEUE,
    { connectionId },
    { singletonKey: connectionId, singletonSeconds: 30 },
  );
}
