import { and, eq, isNull, lt, or, sql } from "drizzle-orm";
import type { SourceCalendar } from "../core/sync/calendar-source.ts";
import type { Database } from "./database.ts";
import type { TenantId } from "./ids.ts";
import { calendarSyncStates } from "./schema.ts";

/**
 * Per-calendar sync state (cursor, health, dirty counter, lease) and the host's choices per calendar (blocking,
 * receives events). Written by the sync engine; the connections API reads it and changes the choices.
 */
export type SyncStateRow = typeof calendarSyncStates.$inferSelect;

export interface CalendarKey {
  connectionId: string;
  calendarRef: string;
}

const keyOf = (key: CalendarKey) =>
  and(
    eq(calendarSyncStates.connectionId, key.connectionId),
    eq(calendarSyncStates.calendarRef, key.calendarRef),
  );

export async function readSyncState(db: Database, key: CalendarKey): Promise<SyncStateRow | undefined> {
  const [state] = await db.select().from(calendarSyncStates).where(keyOf(key));
  return state;
}

export async function listSyncStates(db: Database, connectionId: string): Promise<SyncStateRow[]> {
  return db
    .select()
    .from(calendarSyncStates)
    .where(eq(calendarSyncStates.connectionId, connectionId))
    .orderBy(calendarSyncStates.calendarRef);
}

/**
 * Records the calendars a provider lists. New ones get the defaults: calendars the account owns block, and the
 * primary one receives new events when none does yet. Calendars no longer listed are returned, so their rows can go.
 */
export async function reconcileCalendars(
  db: Database,
  params: { tenantId: TenantId; connectionId: string; calendars: SourceCalendar[]; now: Date },
): Promise<{ states: SyncStateRow[]; vanished: SyncStateRow[] }> {
  const existing = await listSyncStates(db, params.connectionId);
  const byRef = new Map(existing.map((state) => [state.calendarRef, state]));
  const someoneReceives = existing.some((state) => state.receivesEvents && state.removedAt === null);
  for (const calendar of params.calendars) {
    const known = byRef.get(calendar.ref);
    if (known) {
      if (
        known.name !== calendar.name ||
        known.isPrimary !== calendar.primary ||
        known.readOnly !== calendar.readOnly ||
        known.removedAt
      ) {
        await db
          .update(calendarSyncStates)
          .set({
            name: calendar.name,
            isPrimary: calendar.primary,
            readOnly: calendar.readOnly,
            removedAt: null,
            updatedAt: params.now,
          })
          .where(keyOf({ connectionId: params.connectionId, calendarRef: calendar.ref }));
      }
      continue;
    }
    await db
      .insert(calendarSyncStates)
      .values({
        tenantId: params.tenantId,
        connectionId: params.connectionId,
        calendarRef: calendar.ref,
        name: calendar.name,
        isPrimary: calendar.primary,
        readOnly: calendar.readOnly,
        blocking: calendar.owned ?? true,
        receivesEvents: !someoneReceives && calendar.primary && !calendar.readOnly,
        updatedAt: params.now,
      })
      .onConflictDoNothing();
  }
  const listed = new Set(params.calendars.map((calendar) => calendar.ref));
  const vanished = existing.filter((state) => !listed.has(state.calendarRef) && state.removedAt === null);
  for (const state of vanished) {
    await db
      .update(calendarSyncStates)
      .set({
        removedAt: params.now,
        cursor: null,
        stagingCursor: null,
        contentHash: null,
        receivesEvents: false,
        updatedAt: params.now,
      })
      .where(keyOf(state));
  }
  return { states: await listSyncStates(db, params.connectionId), vanished };
}

/** Makes sure a calendar has a state row (sources with one fixed calendar, like .ics feeds, skip reconcile). */
export async function ensureSyncState(
  db: Database,
  params: CalendarKey & { tenantId: TenantId },
): Promise<void> {
  await db
    .insert(calendarSyncStates)
    .values({ tenantId: params.tenantId, connectionId: params.connectionId, calendarRef: params.calendarRef })
    .onConflictDoNothing();
}

/**
 * Takes the calendar's lease: one writer per calendar across every process, so an older run can never save its
 * cursor over a newer one (sync-failure-modes.md #5). A lease left by a crashed run expires.
 */
export async function acquireCalendarLease(
  db: Database,
  params: CalendarKey & { owner: string; now: Date; ttlMs: number },
): Promise<boolean> {
  const rows = await db
    .update(calendarSyncStates)
    .set({ leaseOwner: params.owner, leaseUntil: new Date(params.now.getTime() + params.ttlMs) })
    .where(
      and(
        keyOf(params),
        or(
          isNull(calendarSyncStates.leaseUntil),
          lt(calendarSyncStates.leaseUntil, params.now),
          eq(calendarSyncStates.leaseOwner, params.owner),
        ),
      ),
    )
    .returning({ owner: calendarSyncStates.leaseOwner });
  return rows.length > 0;
}

/** Renews the lease and checks it is still ours; false means a newer run took over (this one must stop writing). */
export async function holdCalendarLease(
  db: Database,
  params: CalendarKey & { owner: string; now: Date; ttlMs: number },
): Promise<boolean> {
  const rows = await db
    .update(calendarSyncStates)
    .set({ leaseUntil: new Date(params.now.getTime() + params.ttlMs) })
    .where(and(keyOf(params), eq(calendarSyncStates.leaseOwner, params.owner)))
    .returning({ owner: calendarSyncStates.leaseOwner });
  return rows.length > 0;
}

/**
 * Stores a page's sync state and renews the lease in one statement, in the page's transaction: false when the run
 * no longer holds the lease (the caller rolls the page back).
 */
export async function saveWithLease(
  db: Database,
  params: CalendarKey & {
    owner: string;
    now: Date;
    ttlMs: number;
    patch: Partial<
      Omit<SyncStateRow, "tenantId" | "connectionId" | "calendarRef" | "leaseOwner" | "leaseUntil">
    >;
  },
): Promise<boolean> {
  const rows = await db
    .update(calendarSyncStates)
    .set({ ...params.patch, leaseUntil: new Date(params.now.getTime() + params.ttlMs) })
    .where(and(keyOf(params), eq(calendarSyncStates.leaseOwner, params.owner)))
    .returning({ owner: calendarSyncStates.leaseOwner });
  return rows.length > 0;
}

export async function releaseCalendarLease(
  db: Database,
  params: CalendarKey & { owner: string },
): Promise<void> {
  await db
    .update(calendarSyncStates)
    .set({ leaseOwner: null, leaseUntil: null })
    .where(and(keyOf(params), eq(calendarSyncStates.leaseOwner, params.owner)));
}

/** Push notifications (and "sync now") say something changed: the running or next pull must pull again (#3). */
export async function markCalendarDirty(db: Database, key: CalendarKey): Promise<void> {
  await db
    .update(calendarSyncStates)
    .set({ dirty: sql`${calendarSyncStates.dirty} + 1` })
    .where(keyOf(key));
}

export async function updateSyncState(
  db: Database,
  key: CalendarKey,
  patch: Partial<Omit<SyncStateRow, "tenantId" | "connectionId" | "calendarRef">>,
): Promise<void> {
  await db.update(calendarSyncStates).set(patch).where(keyOf(key));
}

/**
 * Clears the dirty counter only if it still holds the value the run started with (compare-and-clear): a change
 * that arrived during the pull keeps it set, and the engine pulls again.
 */
export async function clearDirty(db: Database, params: CalendarKey & { seen: number }): Promise<boolean> {
  const rows = await db
    .update(calendarSyncStates)
    .set({ dirty: 0 })
    .where(and(keyOf(params), eq(calendarSyncStates.dirty, params.seen)))
    .returning({ dirty: calendarSyncStates.dirty });
  return rows.length > 0;
}

/** The host's choices for one calendar of a connection. */
export async function setCalendarChoices(
  db: Database,
  params: CalendarKey & { tenantId: TenantId; blocking?: boolean; receivesEvents?: boolean; now: Date },
): Promise<void> {
  if (params.receivesEvents) {
    // One calendar receives new events: choosing one un-chooses the others.
    await db
      .update(calendarSyncStates)
      .set({ receivesEvents: false, updatedAt: params.now })
      .where(
        and(
          eq(calendarSyncStates.tenantId, params.tenantId),
          eq(calendarSyncStates.connectionId, params.connectionId),
        ),
      );
  }
  await db
    .update(calendarSyncStates)
    .set({
      ...(params.blocking === undefined ? {} : { blocking: params.blocking }),
      ...(params.receivesEvents === undefined ? {} : { receivesEvents: params.receivesEvents }),
      // A calendar that starts blocking is listed afresh; one that stops keeps no cursor (its rows are dropped).
      ...(params.blocking === undefined ? {} : { cursor: null, stagingCursor: null, contentHash: null }),
      updatedAt: params.now,
    })
    .where(and(eq(calendarSyncStates.tenantId, params.tenantId), keyOf(params)));
}
