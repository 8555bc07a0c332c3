import { and, eq, sql } from "drizzle-orm";
import type { CalendarSource, SourceError } from "../core/sync/calendar-source.ts";
import { replaceBusyWindow } from "../store/busy-cache.ts";
import type { Database } from "../store/database.ts";
import type { HostId, TenantId } from "../store/ids.ts";
import { calendarConnections, calendarSyncStates } from "../store/schema.ts";

/**
 * Pulls one calendar of a connection into the busy cache. The sync engine is the only writer of busy rows and sync
 * state, and writes both in one transaction (sync-failure-modes.md #5). A failure keeps the last good rows and
 * records the error and the time of the last success on the connection (#15). An invalid cursor falls back to a full
 * snapshot at once (#4). Changes that arrive during a pull bump `dirty`; the pull clears it by compare-and-clear and
 * pulls again if it moved (#3).
 */
export interface SyncTarget {
  tenantId: TenantId;
  hostId: HostId;
  connectionId: string;
  calendarRef: string;
  hostTimeZone: string;
}

export type SyncOutcome =
  | { status: "unchanged" | "updated"; intervals?: number; truncated?: boolean }
  | { status: "failed"; error: SourceError };

async function readState(db: Database, target: SyncTarget) {
  const [state] = await db
    .select()
    .from(calendarSyncStates)
    .where(
      and(
        eq(calendarSyncStates.connectionId, target.connectionId),
        eq(calendarSyncStates.calendarRef, target.calendarRef),
      ),
    );
  return state;
}

async function ensureState(db: Database, target: SyncTarget): Promise<void> {
  await db
    .insert(calendarSyncStates)
    .values({ tenantId: target.tenantId, connectionId: target.connectionId, calendarRef: target.calendarRef })
    .onConflictDoNothing();
}

/** Called by push notifications (and tests): something changed, pull again even if a pull is running. */
export async function markCalendarDirty(
  db: Database,
  params: { connectionId: string; calendarRef: string },
): Promise<void> {
  await db
    .update(calendarSyncStates)
    .set({ dirty: sql`${calendarSyncStates.dirty} + 1` })
    .where(
      and(
        eq(calendarSyncStates.connectionId, params.connectionId),
        eq(calendarSyncStates.calendarRef, params.calendarRef),
      ),
    );
}

export async function syncCalendar(params: {
  db: Database;
  source: CalendarSource;
  target: SyncTarget;
  window: { from: Date; to: Date };
  now: () => Date;
  maxRounds?: number;
}): Promise<SyncOutcome> {
  const { db, source, target } = params;
  await ensureState(db, target);
  let outcome: SyncOutcome = { status: "unchanged" };
  for (let round = 0; round < (params.maxRounds ?? 3); round++) {
    const state = await readState(db, target);
    const dirtyAtStart = state?.dirty ?? 0;
    let cursor = (state?.cursor ?? null) as Parameters<CalendarSource["pull"]>[0]["cursor"];
    let pulled = await source.pull({
      calendarRef: target.calendarRef,
      cursor,
      window: params.window,
      hostTimeZone: target.hostTimeZone,
    });
    if (!pulled.ok && pulled.error.kind === "sync_cursor_invalid") {
      cursor = null;
      pulled = await source.pull({
        calendarRef: target.calendarRef,
        cursor,
        window: params.window,
        hostTimeZone: target.hostTimeZone,
      });
    }
    const at = params.now();
    if (!pulled.ok) {
      await recordFailure(db, target, pulled.error, at);
      return { status: "failed", error: pulled.error };
    }
    const result = pulled.value;
    const cleared = await db.transaction(async (tx) => {
      if (result.kind === "snapshot") {
        await replaceBusyWindow(tx, {
          tenantId: target.tenantId,
          hostId: target.hostId,
          connectionId: target.connectionId,
          calendarRef: target.calendarRef,
          window: params.window,
          intervals: result.intervals,
        });
      } else if (result.kind === "delta") {
        throw new Error("delta results are applied by the provider sync engines (not used by .ics feeds)");
      }
      // Compare-and-clear: only a pull that saw the latest dirty count may clear it.
      const updated = await tx
        .update(calendarSyncStates)
        .set({
          cursor: result.nextCursor,
          dirty: 0,
          lastAttemptAt: at,
          lastSuccessAt: at,
          lastError: null,
          consecutiveFailures: 0,
          updatedAt: at,
        })
        .where(
          and(
            eq(calendarSyncStates.connectionId, target.connectionId),
            eq(calendarSyncStates.calendarRef, target.calendarRef),
            eq(calendarSyncStates.dirty, dirtyAtStart),
          ),
        )
        .returning({ dirty: calendarSyncStates.dirty });
      if (updated.length === 0) {
        // Changed during the pull: keep the data, save the cursor, leave dirty set so the next round pulls again.
        await tx
          .update(calendarSyncStates)
          .set({
            cursor: result.nextCursor,
            lastAttemptAt: at,
            lastSuccessAt: at,
            lastError: null,
            consecutiveFailures: 0,
          })
          .where(
            and(
              eq(calendarSyncStates.connectionId, target.connectionId),
              eq(calendarSyncStates.calendarRef, target.calendarRef),
            ),
          );
      }
      await tx
        .update(calendarConnections)
        .set({ lastSyncedAt: at, lastError: null, status: "active", updatedAt: at })
        .where(
          and(
            eq(calendarConnections.tenantId, target.tenantId),
            eq(calendarConnections.id, target.connectionId),
          ),
        );
      return updated.length > 0;
    });
    outcome =
      result.kind === "snapshot"
        ? {
            status: "updated",
            intervals: result.intervals.length,
            ...(result.truncated ? { truncated: true } : {}),
          }
        : outcome;
    if (cleared) return outcome;
  }
  return outcome;
}

async function recordFailure(db: Database, target: SyncTarget, error: SourceError, at: Date): Promise<void> {
  await db
    .update(calendarSyncStates)
    .set({
      lastAttemptAt: at,
      lastError: `${error.kind}: ${error.message}`,
      consecutiveFailures: sql`${calendarSyncStates.consecutiveFailures} + 1`,
      updatedAt: at,
    })
    .where(
      and(
        eq(calendarSyncStates.connectionId, target.connectionId),
        eq(calendarSyncStates.calendarRef, target.calendarRef),
      ),
    );
  // An auth failure needs the host to act; anything else is retried by the next poll.
  await db
    .update(calendarConnections)
    .set({
      lastError: error.message,
      status:
        error.kind === "auth_revoked"
          ? "needs_reauth"
          : error.kind === "forbidden_target"
            ? "blocked"
            : "error",
      updatedAt: at,
    })
    .where(
      and(eq(calendarConnections.tenantId, target.tenantId), eq(calendarConnections.id, target.connectionId)),
    );
}
