import { and, eq, sql } from "drizzle-orm";
import type { Database } from "./database.ts";
import { calendarConnections, type SyncProgress } from "./schema.ts";

/**
 * The progress of a connection's sync ("sync now" answers it, GET on the connection reports it), kept in the
 * connection's row: the sync writes it as it starts, per stored page (events seen) and per calendar done, and once
 * it ends. Each write is one small update outside the pages' transactions.
 */
export type { SyncProgress };

export async function setSyncProgress(
  db: Database,
  params: { connectionId: string; progress: SyncProgress },
): Promise<void> {
  await db
    .update(calendarConnections)
    .set({ syncProgress: params.progress })
    .where(eq(calendarConnections.id, params.connectionId));
}

/** Marks a sync as asked for, unless one is already queued or running (its progress is then the answer). */
export async function queueSyncProgress(
  db: Database,
  params: { connectionId: string; calendarsTotal: number; at: Date },
): Promise<void> {
  const queued: SyncProgress = {
    state: "queued",
    calendarsDone: 0,
    calendarsTotal: params.calendarsTotal,
    eventsSeen: 0,
    startedAt: params.at.toISOString(),
    finishedAt: null,
  };
  await db
    .update(calendarConnections)
    .set({ syncProgress: queued })
    .where(
      and(
        eq(calendarConnections.id, params.connectionId),
        sql`coalesce(${calendarConnections.syncProgress}->>'state', '') not in ('queued', 'running')`,
      ),
    );
}
