import { and, eq, gt, inArray, isNotNull, isNull, lt, ne, notInArray, sql } from "drizzle-orm";
import { servedGeneration } from "./busy-cache.ts";
import type { Database } from "./database.ts";
import type { HostId, TenantId } from "./ids.ts";
import {
  bookingCalendarEvents,
  bookings,
  busyIntervals,
  calendarConnections,
  calendarSyncStates,
} from "./schema.ts";

/**
 * The write-back mapping: which booking sits as which event in which host calendar, and the state of the last
 * write asked for. Rows are planned in the booking's transaction (`pending`), settled by the calendar.write job
 * (`written` or `failed`), and read by the two-way sync to tell our own echo from the host's change.
 */
export type WriteOperation = "create" | "update" | "cancel";
export type WriteState = "pending" | "written" | "failed";

export type CalendarWriteRow = Omit<
  typeof bookingCalendarEvents.$inferSelect,
  "operation" | "state" | "tenantId" | "hostId"
> & { tenantId: TenantId; hostId: HostId; operation: WriteOperation; state: WriteState };

const toRow = (record: typeof bookingCalendarEvents.$inferSelect): CalendarWriteRow =>
  record as CalendarWriteRow;

/** Providers whose adapters write events; .ics feeds are read-only. */
const WRITABLE_PROVIDERS = ["microsoft", "google", "caldav"];
/** A connection waiting for its host (pending, needs_reauth, disconnected) or refused (blocked) gets no writes. */
const WRITABLE_STATUSES = ["connected", "error"];

/** The calendars (one per connection at most) that receive the events of these hosts' bookings. */
export async function destinationCalendars(
  db: Database,
  params: { tenantId: TenantId; hostIds: HostId[] },
): Promise<Array<{ connectionId: string; hostId: HostId; calendarRef: string }>> {
  if (params.hostIds.length === 0) return [];
  const rows = await db
    .select({
      connectionId: calendarConnections.id,
      hostId: calendarConnections.hostId,
      calendarRef: calendarSyncStates.calendarRef,
    })
    .from(calendarConnections)
    .innerJoin(calendarSyncStates, eq(calendarSyncStates.connectionId, calendarConnections.id))
    .where(
      and(
        eq(calendarConnections.tenantId, params.tenantId),
        inArray(calendarConnections.hostId, params.hostIds),
        inArray(calendarConnections.provider, WRITABLE_PROVIDERS),
        inArray(calendarConnections.status, WRITABLE_STATUSES),
        // The connection's export switch (migration 0015): off, nothing of ours is written into it.
        eq(calendarConnections.exportEnabled, true),
        eq(calendarSyncStates.receivesEvents, true),
        isNull(calendarSyncStates.removedAt),
      ),
    )
    .orderBy(calendarConnections.id, calendarSyncStates.calendarRef);
  const seen = new Set<string>();
  return rows
    .filter((row) => !seen.has(row.connectionId) && seen.add(row.connectionId))
    .map((row) => ({ ...row, hostId: row.hostId as HostId }));
}

/**
 * Records the intent of a write in the booking's transaction. A new booking (or one moved or confirmed) gets a row
 * per destination calendar; an existing row is asked to update (or, if no event exists yet, to create); a cancel
 * applies to rows that have an event. `settled` names a row the change came from (the host moved or deleted the
 * event in that calendar): it already shows the change, so it is recorded as written with the provider's version.
 */
export async function planCalendarWrites(
  tx: Database,
  params: {
    tenantId: TenantId;
    bookingId: string;
    hostIds: HostId[];
    operation: WriteOperation;
    contentHash: string;
    now: Date;
    settled?: { connectionId: string; version: string | null };
  },
): Promise<CalendarWriteRow[]> {
  const { tenantId, bookingId, now } = params;
  if (params.operation !== "cancel") {
    const destinations = await destinationCalendars(tx, params);
    if (destinations.length > 0) {
      await tx
        .insert(bookingCalendarEvents)
        .values(
          destinations.map((d) => ({
            tenantId,
            bookingId,
            connectionId: d.connectionId,
            hostId: d.hostId,
            calendarRef: d.calendarRef,
            operation: "create",
            state: "pending",
            createdAt: now,
            updatedAt: now,
          })),
        )
        .onConflictDoNothing();
    }
  }
  const exclude = params.settled ? [params.settled.connectionId] : [];
  await tx
    .update(bookingCalendarEvents)
    .set({
      operation:
        params.operation === "cancel"
          ? "cancel"
          : sql`case when ${bookingCalendarEvents.providerEventRef} is null then 'create' else 'update' end`,
      state: "pending",
      attempts: 0,
      lastError: null,
      updatedAt: now,
    })
    .where(
      and(
        eq(bookingCalendarEvents.tenantId, tenantId),
        eq(bookingCalendarEvents.bookingId, bookingId),
        ...(exclude.length > 0 ? [notInArray(bookingCalendarEvents.connectionId, exclude)] : []),
        // A row whose create never went through has nothing to cancel, unless a create is still on its way.
        ...(params.operation === "cancel"
          ? [
              sql`(${bookingCalendarEvents.providerEventRef} is not null or ${bookingCalendarEvents.state} = 'pending')`,
            ]
          : []),
      ),
    );
  if (params.settled) {
    await tx
      .update(bookingCalendarEvents)
      .set({
        operation: params.operation === "cancel" ? "cancel" : "update",
        state: "written",
        contentHash: params.contentHash,
        ...(params.settled.version ? { changeKey: params.settled.version } : {}),
        lastError: null,
        updatedAt: now,
      })
      .where(
        and(
          eq(bookingCalendarEvents.bookingId, bookingId),
          eq(bookingCalendarEvents.connectionId, params.settled.connectionId),
        ),
      );
  }
  return listCalendarWrites(tx, tenantId, [bookingId]);
}

export async function listCalendarWrites(
  db: Database,
  tenantId: TenantId,
  bookingIds: string[],
): Promise<CalendarWriteRow[]> {
  if (bookingIds.length === 0) return [];
  const rows = await db
    .select()
    .from(bookingCalendarEvents)
    .where(
      and(eq(bookingCalendarEvents.tenantId, tenantId), inArray(bookingCalendarEvents.bookingId, bookingIds)),
    )
    .orderBy(bookingCalendarEvents.createdAt, bookingCalendarEvents.connectionId);
  return rows.map(toRow);
}

/** The mapping row of a provider event in one connection (the two-way sync's lookup). */
export async function findWritesByEventRefs(
  db: Database,
  params: { connectionId: string; refs: string[] },
): Promise<CalendarWriteRow[]> {
  if (params.refs.length === 0) return [];
  const rows = await db
    .select()
    .from(bookingCalendarEvents)
    .where(
      and(
        eq(bookingCalendarEvents.connectionId, params.connectionId),
        inArray(bookingCalendarEvents.providerEventRef, params.refs),
      ),
    );
  return rows.map(toRow);
}

/**
 * Mapping rows of bookings in one connection that do not know their provider event yet (the create's answer was
 * lost): the event found in the calendar with our marker is theirs.
 */
export async function findUnlinkedWrites(
  db: Database,
  params: { connectionId: string; bookingIds: string[] },
): Promise<CalendarWriteRow[]> {
  if (params.bookingIds.length === 0) return [];
  const rows = await db
    .select()
    .from(bookingCalendarEvents)
    .where(
      and(
        eq(bookingCalendarEvents.connectionId, params.connectionId),
        inArray(bookingCalendarEvents.bookingId, params.bookingIds),
        isNull(bookingCalendarEvents.providerEventRef),
      ),
    );
  return rows.map(toRow);
}

export async function updateCalendarWrite(
  db: Database,
  key: { bookingId: string; connectionId: string },
  patch: Partial<
    Pick<
      CalendarWriteRow,
      | "state"
      | "operation"
      | "providerEventRef"
      | "changeKey"
      | "contentHash"
      | "invitesAttendee"
      | "attempts"
      | "lastError"
      | "warning"
      | "meetingPending"
    >
  > & { updatedAt: Date },
): Promise<void> {
  await db
    .update(bookingCalendarEvents)
    .set(patch)
    .where(
      and(
        eq(bookingCalendarEvents.bookingId, key.bookingId),
        eq(bookingCalendarEvents.connectionId, key.connectionId),
      ),
    );
}

/**
 * Marks the busy rows of our own event with its booking, from the mapping: the booking blocks already, its copy in
 * the host's calendar must not (also when a provider loses our marker, or the copy was synced before we knew its id).
 */
export async function linkOwnBusyRows(
  db: Database,
  params: { connectionId: string; eventRef: string; bookingId: string },
): Promise<void> {
  await db
    .update(busyIntervals)
    .set({ bookingId: params.bookingId })
    .where(
      and(
        eq(busyIntervals.connectionId, params.connectionId),
        eq(busyIntervals.sourceRef, params.eventRef),
        isNull(busyIntervals.bookingId),
      ),
    );
}

/**
 * Written events of one calendar that the busy cache does not hold although their booking lies in the synced
 * window: events no sync has shown since they were written (made after the round that listed the calendar, or made
 * and deleted between two rounds, which a delta never names), or events the host deleted meanwhile.
 */
export async function findUnseenWrites(
  db: Database,
  params: { connectionId: string; calendarRef: string; window: { from: Date; to: Date } },
): Promise<CalendarWriteRow[]> {
  const rows = await db
    .select({ row: bookingCalendarEvents })
    .from(bookingCalendarEvents)
    .innerJoin(bookings, eq(bookings.id, bookingCalendarEvents.bookingId))
    .where(
      and(
        eq(bookingCalendarEvents.connectionId, params.connectionId),
        eq(bookingCalendarEvents.calendarRef, params.calendarRef),
        eq(bookingCalendarEvents.state, "written"),
        ne(bookingCalendarEvents.operation, "cancel"),
        isNotNull(bookingCalendarEvents.providerEventRef),
        notInArray(bookings.status, ["cancelled", "rejected"]),
        lt(bookings.startAt, params.window.to),
        gt(bookings.endAt, params.window.from),
        sql`not exists (select 1 from ${busyIntervals} where ${busyIntervals.connectionId} = ${bookingCalendarEvents.connectionId} and ${busyIntervals.calendarRef} = ${bookingCalendarEvents.calendarRef} and ${busyIntervals.sourceRef} = ${bookingCalendarEvents.providerEventRef} and ${servedGeneration})`,
      ),
    );
  return rows.map(({ row }) => toRow(row));
}
