import type { ProviderKind } from "../core/sync/calendar-source.ts";
import { listConnectionsDue } from "../store/connections-repository.ts";
import {
  type ConnectionSyncDeps,
  type ConnectionSyncOutcome,
  syncConnection,
} from "../sync/sync-connection.ts";
import type { JobEngine } from "./job-engine.ts";

export const CALENDAR_SYNC_QUEUE = "calendar.sync";
export const CALENDAR_POLL_QUEUE = "calendar.poll";

/**
 * How far around "now" a calendar is mirrored into the busy cache. Availability beyond its end is not offered for
 * hosts with connected calendars (see host-availability), so the window is also the longest horizon served.
 */
export function syncWindow(now: Date, days = 366): { from: Date; to: Date } {
  return { from: new Date(now.getTime() - 86_400_000), to: new Date(now.getTime() + days * 86_400_000) };
}

export interface CalendarSyncJobDeps {
  jobs: JobEngine;
  sync: ConnectionSyncDeps;
  /** Polling floor per provider, in minutes: push only makes a sync sooner (sync-failure-modes #2). */
  pollMinutes: Record<ProviderKind, number>;
  /** The longer floor of calendars whose push channel is live, per provider (others keep `pollMinutes`). */
  pushPollMinutes?: Partial<Record<ProviderKind, number>>;
  /** Runs after each sync of a connection (push channels are made and renewed there). */
  afterSync?: (connectionId: string, outcome: ConnectionSyncOutcome | undefined) => Promise<void>;
  /** Syncs this process runs at once (different connections; the queue is stately per connection). */
  concurrency?: number;
}

/**
 * `calendar.sync` pulls one connection; `calendar.poll` runs every minute and enqueues the connections whose last
 * attempt is older than their provider's polling interval (longer for calendars with a live push channel). A sync stopped by a long Retry-After, or held back by a
 * provider request budget (budgeted-http.ts), is queued again for when it may go on (its listing resumes where it
 * stopped): delayed, never dropped.
 */
export async function registerCalendarSyncJobs(deps: CalendarSyncJobDeps): Promise<void> {
  const { sync } = deps;
  await deps.jobs.register<{ connectionId: string }>({
    name: CALENDAR_SYNC_QUEUE,
    policy: "stately",
    retryLimit: 2,
    retryDelaySeconds: 30,
    expireInSeconds: 900,
    concurrency: deps.concurrency ?? 1,
    async handle(data) {
      const outcome = await syncConnection(sync, data.connectionId);
      await deps.afterSync?.(data.connectionId, outcome);
      const retryAfterMs = retryAfterOf(outcome);
      if (retryAfterMs !== null) {
        await enqueueConnectionSync(deps.jobs, data.connectionId, {
          startAfterSeconds: Math.ceil(retryAfterMs / 1000),
        });
      }
    },
  });
  await deps.jobs.register<Record<string, never>>({
    name: CALENDAR_POLL_QUEUE,
    retryLimit: 0,
    async handle() {
      const now = sync.now().getTime();
      for (const [provider, minutes] of Object.entries(deps.pollMinutes) as Array<[ProviderKind, number]>) {
        const pushMinutes = deps.pushPollMinutes?.[provider];
        const due = await listConnectionsDue(sync.db, {
          providers: [provider],
          before: new Date(now - minutes * 60_000 + 5_000),
          limit: 500,
          ...(pushMinutes
            ? { withPush: { before: new Date(now - pushMinutes * 60_000 + 5_000), now: new Date(now) } }
            : {}),
        });
        for (const connectionId of due) await enqueueConnectionSync(deps.jobs, connectionId);
      }
    },
  });
  await deps.jobs.boss.schedule(CALENDAR_POLL_QUEUE, "* * * * *", {});
}

function retryAfterOf(outcome: ConnectionSyncOutcome | undefined): number | null {
  if (outcome?.status !== "failed" || outcome.error?.kind !== "rate_limited") return null;
  return outcome.error.retryAfterMs ?? 60_000;
}

export async function enqueueConnectionSync(
  jobs: JobEngine,
  connectionId: string,
  options: { startAfterSeconds?: number } = {},
): Promise<void> {
  // At most one queued sync per connection (the queue is stately): asking again while one waits changes nothing,
  // and a sync asked for while one runs is queued once, so a change is never left unsynced.
  await jobs.send(
    CALENDAR_SYNC_QUEUE,
    { connectionId },
    {
      singletonKey: connectionId,
      ...(options.startAfterSeconds ? { startAfter: options.startAfterSeconds } : {}),
    },
  );
}
