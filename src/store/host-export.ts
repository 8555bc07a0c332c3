import { and, asc, eq, getTableColumns, gt, inArray, or, type SQL } from "drizzle-orm";
import type { PgColumn, PgTable } from "drizzle-orm/pg-core";
import type { Database } from "./database.ts";
import type { HostId, TenantId } from "./ids.ts";
import {
  auditLog,
  bookingCalendarEvents,
  bookingHosts,
  bookings,
  busyIntervals,
  calendarConnections,
  calendarSyncStates,
  eventTypeHosts,
  eventTypes,
  hostFeeds,
  hosts,
  managedEventHosts,
  managedEvents,
  schedules,
} from "./schema.ts";

/**
 * Everything held about one host, as one JSON document written piece by piece: every list is read in keyset batches
 * (`id > last` ordered by id), so a host with 100,000 busy rows or bookings never has them in memory at once.
 * Secrets are never read: not the connection's credentials, not a feed's token hash, not a sync cursor or channel.
 */
export const HOST_EXPORT_FORMAT = "calbridge.host-export/1";

const BATCH = 1000;

type Row = Record<string, unknown>;

/** A section: its rows in batches after a key (undefined for the first batch), and the key of a row. */
interface Section {
  name: string;
  batch(after: string | undefined): Promise<Row[]>;
  keyOf(row: Row): string;
}

function keyed<T extends PgTable>(
  db: Database,
  table: T,
  columns: Record<string, PgColumn>,
  key: PgColumn,
  where: SQL | undefined,
): Section["batch"] {
  return (after) =>
    db
      .select(columns)
      .from(table as PgTable)
      .where(and(where, after === undefined ? undefined : gt(key, after)))
      .orderBy(asc(key))
      .limit(BATCH) as Promise<Row[]>;
}

function sections(db: Database, scope: { tenantId: TenantId; hostId: HostId }): Section[] {
  const { tenantId, hostId } = scope;
  const byId = (row: Row) => String(row.id);
  const connectionIds = db
    .select({ id: calendarConnections.id })
    .from(calendarConnections)
    .where(and(eq(calendarConnections.tenantId, tenantId), eq(calendarConnections.hostId, hostId)));
  return [
    {
      name: "schedules",
      keyOf: byId,
      batch: keyed(
        db,
        schedules,
        {
          id: schedules.id,
          name: schedules.name,
          timeZone: schedules.timeZone,
          weekly: schedules.weekly,
          overrides: schedules.overrides,
          outOfOffice: schedules.outOfOffice,
          isDefault: schedules.isDefault,
          createdAt: schedules.createdAt,
          updatedAt: schedules.updatedAt,
        },
        schedules.id,
        and(eq(schedules.tenantId, tenantId), eq(schedules.hostId, hostId)),
      ),
    },
    {
      name: "connections",
      keyOf: byId,
      batch: keyed(
        db,
        calendarConnections,
        {
          id: calendarConnections.id,
          provider: calendarConnections.provider,
          displayName: calendarConnections.displayName,
          status: calendarConnections.status,
          accountEmail: calendarConnections.accountEmail,
          accountKind: calendarConnections.accountKind,
          settings: calendarConnections.settings,
          lastSyncedAt: calendarConnections.lastSyncedAt,
          lastError: calendarConnections.lastError,
          createdAt: calendarConnections.createdAt,
        },
        calendarConnections.id,
        and(eq(calendarConnections.tenantId, tenantId), eq(calendarConnections.hostId, hostId)),
      ),
    },
    {
      name: "calendars",
      keyOf: (row) => `${row.connectionId}\u0000${row.calendarRef}`,
      // Few per connection: read at once (no cursor, no channel: those are the provider's secrets).
      batch: async (after) =>
        after !== undefined
          ? []
          : db
              .select({
                connectionId: calendarSyncStates.connectionId,
                calendarRef: calendarSyncStates.calendarRef,
                name: calendarSyncStates.name,
                isPrimary: calendarSyncStates.isPrimary,
                blocking: calendarSyncStates.blocking,
                receivesEvents: calendarSyncStates.receivesEvents,
                lastSuccessAt: calendarSyncStates.lastSuccessAt,
              })
              .from(calendarSyncStates)
              .where(inArray(calendarSyncStates.connectionId, connectionIds)),
    },
    {
      name: "eventTypes",
      keyOf: byId,
      batch: keyed(
        db,
        eventTypes,
        { id: eventTypes.id, slug: eventTypes.slug, title: eventTypes.title },
        eventTypes.id,
        and(
          eq(eventTypes.tenantId, tenantId),
          inArray(
            eventTypes.id,
            db
              .select({ id: eventTypeHosts.eventTypeId })
              .from(eventTypeHosts)
              .where(eq(eventTypeHosts.hostId, hostId)),
          ),
        ),
      ),
    },
    {
      name: "bookings",
      keyOf: byId,
      batch: keyed(
        db,
        bookings,
        {
          id: bookings.id,
          eventTypeId: bookings.eventTypeId,
          status: bookings.status,
          startAt: bookings.startAt,
          endAt: bookings.endAt,
          inviteeTimeZone: bookings.inviteeTimeZone,
          attendeeName: bookings.attendeeName,
          attendeeEmail: bookings.attendeeEmail,
          answers: bookings.answers,
          location: bookings.location,
          cancelReason: bookings.cancelReason,
          createdAt: bookings.createdAt,
        },
        bookings.id,
        and(
          eq(bookings.tenantId, tenantId),
          inArray(
            bookings.id,
            db
              .select({ id: bookingHosts.bookingId })
              .from(bookingHosts)
              .where(eq(bookingHosts.hostId, hostId)),
          ),
        ),
      ),
    },
    {
      // The tenant's own events (issue #18) held by this host, with their attendees and metadata.
      name: "managedEvents",
      keyOf: byId,
      batch: keyed(
        db,
        managedEvents,
        getTableColumns(managedEvents),
        managedEvents.id,
        and(
          eq(managedEvents.tenantId, tenantId),
          inArray(
            managedEvents.id,
            db
              .select({ id: managedEventHosts.eventId })
              .from(managedEventHosts)
              .where(eq(managedEventHosts.hostId, hostId)),
          ),
        ),
      ),
    },
    {
      // What was written to the host's calendars for bookings (write-back records).
      name: "bookingCalendarEvents",
      keyOf: (row) => `${row.bookingId}\u0000${row.connectionId}`,
      batch: async (after) => {
        const [bookingId, connectionId] = after?.split("\u0000") ?? [];
        return db
          .select({
            bookingId: bookingCalendarEvents.bookingId,
            connectionId: bookingCalendarEvents.connectionId,
            calendarRef: bookingCalendarEvents.calendarRef,
            providerEventRef: bookingCalendarEvents.providerEventRef,
            operation: bookingCalendarEvents.operation,
            state: bookingCalendarEvents.state,
            updatedAt: bookingCalendarEvents.updatedAt,
          })
          .from(bookingCalendarEvents)
          .where(
            and(
              eq(bookingCalendarEvents.tenantId, tenantId),
              eq(bookingCalendarEvents.hostId, hostId),
              bookingId === undefined || connectionId === undefined
                ? undefined
                : or(
                    gt(bookingCalendarEvents.bookingId, bookingId),
                    and(
                      eq(bookingCalendarEvents.bookingId, bookingId),
                      gt(bookingCalendarEvents.connectionId, connectionId),
                    ),
                  ),
            ),
          )
          .orderBy(asc(bookingCalendarEvents.bookingId), asc(bookingCalendarEvents.connectionId))
          .limit(BATCH);
      },
    },
    {
      name: "busyIntervals",
      // Keyset on (start_at, id): the host/time index serves it; ordering by id alone sorts every row per batch.
      keyOf: (row) => `${(row.startAt as Date).toISOString()}|${row.id}`,
      batch: (after) => {
        const [startText, id] = after?.split("|") ?? [];
        const start = startText ? new Date(startText) : undefined;
        return db
          .select({
            id: busyIntervals.id,
            connectionId: busyIntervals.connectionId,
            calendarRef: busyIntervals.calendarRef,
            startAt: busyIntervals.startAt,
            endAt: busyIntervals.endAt,
            allDayStart: busyIntervals.allDayStart,
            allDayEnd: busyIntervals.allDayEnd,
            status: busyIntervals.status,
            sourceRef: busyIntervals.sourceRef,
            seriesRef: busyIntervals.seriesRef,
            bookingId: busyIntervals.bookingId,
          })
          .from(busyIntervals)
          .where(
            and(
              eq(busyIntervals.hostId, hostId),
              eq(busyIntervals.tenantId, tenantId),
              start === undefined || id === undefined
                ? undefined
                : or(
                    gt(busyIntervals.startAt, start),
                    and(eq(busyIntervals.startAt, start), gt(busyIntervals.id, id)),
                  ),
            ),
          )
          .orderBy(asc(busyIntervals.startAt), asc(busyIntervals.id))
          .limit(BATCH);
      },
    },
    {
      name: "feeds",
      keyOf: byId,
      batch: keyed(
        db,
        hostFeeds,
        {
          id: hostFeeds.id,
          includeBusy: hostFeeds.includeBusy,
          createdAt: hostFeeds.createdAt,
          revokedAt: hostFeeds.revokedAt,
        },
        hostFeeds.id,
        and(eq(hostFeeds.tenantId, tenantId), eq(hostFeeds.hostId, hostId)),
      ),
    },
    {
      name: "auditEntries",
      keyOf: byId,
      batch: (after) =>
        db
          .select()
          .from(auditLog)
          .where(
            and(
              eq(auditLog.tenantId, tenantId),
              eq(auditLog.hostId, hostId),
              after === undefined ? undefined : gt(auditLog.id, Number(after)),
            ),
          )
          .orderBy(asc(auditLog.id))
          .limit(BATCH),
    },
  ];
}

/** The host's profile, or undefined when the tenant has no such host (read before the stream starts). */
export async function readHostProfile(
  db: Database,
  scope: { tenantId: TenantId; hostId: HostId },
): Promise<Row | undefined> {
  const [row] = await db
    .select({
      id: hosts.id,
      externalId: hosts.externalId,
      name: hosts.name,
      email: hosts.email,
      timeZone: hosts.timeZone,
      createdAt: hosts.createdAt,
      updatedAt: hosts.updatedAt,
    })
    .from(hosts)
    .where(and(eq(hosts.tenantId, scope.tenantId), eq(hosts.id, scope.hostId)));
  return row;
}

/** The export document as chunks of JSON text; a few rows per chunk keep the writes efficient. */
export async function* writeHostExport(
  db: Database,
  params: { tenantId: TenantId; host: Row; exportedAt: Date },
): AsyncGenerator<string> {
  yield `{"format":${JSON.stringify(HOST_EXPORT_FORMAT)},"exportedAt":${JSON.stringify(params.exportedAt)},`;
  yield `"host":${JSON.stringify(params.host)}`;
  for (const section of sections(db, { tenantId: params.tenantId, hostId: params.host.id as HostId })) {
    yield `,${JSON.stringify(section.name)}:[`;
    let after: string | undefined;
    let first = true;
    for (;;) {
      const rows = await section.batch(after);
      if (rows.length === 0) break;
      let chunk = "";
      for (const row of rows) {
        chunk += (first ? "" : ",") + JSON.stringify(row);
        first = false;
      }
      yield chunk;
      if (rows.length < BATCH) break;
      after = section.keyOf(rows.at(-1)!);
    }
    yield "]";
  }
  yield "}";
}
