import { and, asc, eq, gt, inArray, lt, notInArray, or, sql } from "drizzle-orm";
import type { SeriesOccurrence } from "../core/managed-events/recurrence.ts";
import { DEFAULT_REMINDERS, type ReminderSettings } from "../core/reminders/reminder-settings.ts";
import { destinationCalendars, type WriteOperation, type WriteState } from "./calendar-writes-repository.ts";
import type { Database } from "./database.ts";
import { type HostId, newId, type TenantId } from "./ids.ts";
import { managedEventHosts, managedEventOccurrences, managedEvents, managedEventWrites } from "./schema.ts";

/**
 * Managed events: the tenant app's own events (keyed by its `externalId`), their hosts, the occurrences that block
 * availability, and their write-back rows (one per event and connection, the life cycle of booking writes:
 * planned `pending` in the change's transaction, settled `written` or `failed` by the managed-event.write job).
 */
export type ManagedLocation = { kind: "address" | "link" | "phone" | "teams" | "meet"; value?: string };
export type CalendarChangePolicy = "accept" | "notify" | "restore";

export interface StoredRecurrence {
  rule: string;
  exdates: string[];
  overrides: Array<{ originalStart: string; start: string; end: string }>;
}

export interface ManagedEventFields {
  title: string;
  description: string | null;
  startAt: Date;
  endAt: Date;
  timeZone: string;
  location: ManagedLocation | null;
  /** An attendee's zone and language for their reminder (absent: the event's zone, English). */
  attendees: Array<{ name?: string; email: string; timeZone?: string; locale?: string }>;
  recurrence: StoredRecurrence | null;
  blocksAvailability: boolean;
  metadata: Record<string, unknown>;
  calendarChangePolicy: CalendarChangePolicy | null;
  /** Reminder offsets for the attendees (and hosts, with notifyHost). */
  reminders: ReminderSettings;
}

export interface ManagedEventRow extends ManagedEventFields {
  id: string;
  tenantId: TenantId;
  externalId: string;
  status: "active" | "cancelled";
  cancelReason: string | null;
  sequence: number;
  hostIds: HostId[];
  createdAt: Date;
  updatedAt: Date;
}

export type ManagedWriteRow = Omit<typeof managedEventWrites.$inferSelect, "operation" | "state"> & {
  operation: WriteOperation;
  state: WriteState;
};

type Record_ = typeof managedEvents.$inferSelect;

function toRow(record: Record_, hostIds: HostId[]): ManagedEventRow {
  return {
    ...record,
    tenantId: record.tenantId as TenantId,
    location: record.location as ManagedLocation | null,
    attendees: record.attendees as ManagedEventRow["attendees"],
    recurrence: record.recurrence as StoredRecurrence | null,
    metadata: record.metadata as Record<string, unknown>,
    status: record.status as ManagedEventRow["status"],
    calendarChangePolicy: record.calendarChangePolicy as CalendarChangePolicy | null,
    reminders: (record.reminders as ReminderSettings | null) ?? DEFAULT_REMINDERS,
    hostIds,
  };
}

async function withHosts(db: Database, records: Record_[]): Promise<ManagedEventRow[]> {
  if (records.length === 0) return [];
  const hosts = await db
    .select()
    .from(managedEventHosts)
    .where(
      inArray(
        managedEventHosts.eventId,
        records.map((r) => r.id),
      ),
    );
  return records.map((record) =>
    toRow(
      record,
      hosts.filter((h) => h.eventId === record.id).map((h) => h.hostId as HostId),
    ),
  );
}

export async function getManagedEvent(
  db: Database,
  tenantId: TenantId,
  id: string,
): Promise<ManagedEventRow | undefined> {
  const records = await db
    .select()
    .from(managedEvents)
    .where(and(eq(managedEvents.tenantId, tenantId), eq(managedEvents.id, id)));
  return (await withHosts(db, records))[0];
}

/** Locks the event by the app's id (for the idempotent create): the row, or undefined. */
export async function findManagedEventForUpdate(
  tx: Database,
  tenantId: TenantId,
  externalId: string,
): Promise<ManagedEventRow | undefined> {
  const records = await tx
    .select()
    .from(managedEvents)
    .where(and(eq(managedEvents.tenantId, tenantId), eq(managedEvents.externalId, externalId)))
    .for("update");
  return (await withHosts(tx, records))[0];
}

/** A page of events by start, then id; `after` is the last one of the previous page. */
export async function listManagedEvents(
  db: Database,
  tenantId: TenantId,
  params: {
    hostId?: HostId;
    from?: Date;
    to?: Date;
    externalId?: string;
    status?: "active" | "cancelled";
    after?: { startAt: Date; id: string };
    limit: number;
  },
): Promise<ManagedEventRow[]> {
  const records = await db
    .select()
    .from(managedEvents)
    .where(
      and(
        eq(managedEvents.tenantId, tenantId),
        params.externalId ? eq(managedEvents.externalId, params.externalId) : undefined,
        params.status ? eq(managedEvents.status, params.status) : undefined,
        params.hostId
          ? sql`exists (select 1 from ${managedEventHosts} where ${managedEventHosts.eventId} = ${managedEvents.id} and ${managedEventHosts.hostId} = ${params.hostId})`
          : undefined,
        // A series reaches past its first occurrence: it is in range when one of its occurrences is.
        params.to ? lt(managedEvents.startAt, params.to) : undefined,
        params.from
          ? or(
              gt(managedEvents.endAt, params.from),
              sql`exists (select 1 from ${managedEventOccurrences} where ${managedEventOccurrences.eventId} = ${managedEvents.id} and ${managedEventOccurrences.endAt} > ${params.from})`,
            )
          : undefined,
        params.after
          ? or(
              gt(managedEvents.startAt, params.after.startAt),
              and(eq(managedEvents.startAt, params.after.startAt), gt(managedEvents.id, params.after.id)),
            )
          : undefined,
      ),
    )
    .orderBy(asc(managedEvents.startAt), asc(managedEvents.id))
    .limit(params.limit);
  return withHosts(db, records);
}

/** Creates or replaces the event's fields, hosts and blocking occurrences (in the caller's transaction). */
export async function saveManagedEvent(
  tx: Database,
  params: {
    tenantId: TenantId;
    existing: ManagedEventRow | undefined;
    externalId: string;
    fields: ManagedEventFields;
    hostIds: HostId[];
    occurrences: SeriesOccurrence[];
    now: Date;
  },
): Promise<ManagedEventRow> {
  const { tenantId, now } = params;
  const id = params.existing?.id ?? newId<string>();
  if (params.existing) {
    await tx
      .update(managedEvents)
      .set({
        ...params.fields,
        status: "active",
        cancelReason: null,
        sequence: sql`${managedEvents.sequence} + 1`,
        updatedAt: now,
      })
      .where(eq(managedEvents.id, id));
    await tx.delete(managedEventHosts).where(eq(managedEventHosts.eventId, id));
  } else {
    await tx.insert(managedEvents).values({
      id,
      tenantId,
      externalId: params.externalId,
      ...params.fields,
      createdAt: now,
      updatedAt: now,
    });
  }
  await tx
    .insert(managedEventHosts)
    .values(params.hostIds.map((hostId) => ({ tenantId, eventId: id, hostId })));
  await replaceOccurrences(tx, {
    tenantId,
    eventId: id,
    hostIds: params.hostIds,
    occurrences: params.occurrences,
  });
  return (await getManagedEvent(tx, tenantId, id))!;
}

async function replaceOccurrences(
  tx: Database,
  params: { tenantId: TenantId; eventId: string; hostIds: HostId[]; occurrences: SeriesOccurrence[] },
): Promise<void> {
  await tx.delete(managedEventOccurrences).where(eq(managedEventOccurrences.eventId, params.eventId));
  const values = params.hostIds.flatMap((hostId) =>
    params.occurrences.map((o) => ({
      tenantId: params.tenantId,
      eventId: params.eventId,
      hostId,
      startAt: o.start,
      endAt: o.end,
    })),
  );
  for (let i = 0; i < values.length; i += 500)
    await tx.insert(managedEventOccurrences).values(values.slice(i, i + 500));
}

/** Cancels the event: it no longer blocks, and every write that made an event is asked to cancel it. */
export async function cancelManagedEvent(
  tx: Database,
  params: { event: ManagedEventRow; reason: string; now: Date },
): Promise<ManagedEventRow> {
  await tx
    .update(managedEvents)
    .set({
      status: "cancelled",
      cancelReason: params.reason,
      sequence: sql`${managedEvents.sequence} + 1`,
      updatedAt: params.now,
    })
    .where(eq(managedEvents.id, params.event.id));
  await tx.delete(managedEventOccurrences).where(eq(managedEventOccurrences.eventId, params.event.id));
  return (await getManagedEvent(tx, params.event.tenantId, params.event.id))!;
}

/**
 * Records the intent of a write in the change's transaction: a row per destination calendar of the event's hosts
 * (export switch on); rows of hosts no longer on the event, and every row when the event is cancelled, cancel.
 */
export async function planManagedWrites(
  tx: Database,
  params: { event: ManagedEventRow; now: Date },
): Promise<ManagedWriteRow[]> {
  const { event, now } = params;
  const live = event.status === "active";
  if (live) {
    const destinations = await destinationCalendars(tx, { tenantId: event.tenantId, hostIds: event.hostIds });
    if (destinations.length > 0) {
      await tx
        .insert(managedEventWrites)
        .values(
          destinations.map((d) => ({
            tenantId: event.tenantId,
            eventId: event.id,
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
  const reset = { state: "pending", attempts: 0, lastError: null, updatedAt: now } as const;
  const cancels = sql`(${managedEventWrites.providerEventRef} is not null or ${managedEventWrites.state} = 'pending')`;
  if (live) {
    await tx
      .update(managedEventWrites)
      .set({
        ...reset,
        operation: sql`case when ${managedEventWrites.providerEventRef} is null then 'create' else 'update' end`,
      })
      .where(
        and(eq(managedEventWrites.eventId, event.id), inArray(managedEventWrites.hostId, event.hostIds)),
      );
    await tx
      .update(managedEventWrites)
      .set({ ...reset, operation: "cancel" })
      .where(
        and(
          eq(managedEventWrites.eventId, event.id),
          notInArray(managedEventWrites.hostId, event.hostIds),
          cancels,
        ),
      );
  } else {
    await tx
      .update(managedEventWrites)
      .set({ ...reset, operation: "cancel" })
      .where(and(eq(managedEventWrites.eventId, event.id), cancels));
  }
  return listManagedWrites(tx, [event.id]);
}

export async function listManagedWrites(db: Database, eventIds: string[]): Promise<ManagedWriteRow[]> {
  if (eventIds.length === 0) return [];
  const rows = await db
    .select()
    .from(managedEventWrites)
    .where(inArray(managedEventWrites.eventId, eventIds))
    .orderBy(managedEventWrites.createdAt, managedEventWrites.connectionId);
  return rows as ManagedWriteRow[];
}

export async function updateManagedWrite(
  db: Database,
  key: { eventId: string; connectionId: string },
  patch: Partial<
    Pick<
      ManagedWriteRow,
      | "state"
      | "operation"
      | "generation"
      | "providerEventRef"
      | "changeKey"
      | "contentHash"
      | "joinUrl"
      | "attempts"
      | "lastError"
      | "warning"
    >
  > & { updatedAt: Date },
): Promise<void> {
  await db
    .update(managedEventWrites)
    .set(patch)
    .where(
      and(eq(managedEventWrites.eventId, key.eventId), eq(managedEventWrites.connectionId, key.connectionId)),
    );
}

/** The write rows of provider events in one connection (the two-way sync's lookup). */
export async function findManagedWritesByRefs(
  db: Database,
  params: { connectionId: string; refs: string[] },
): Promise<ManagedWriteRow[]> {
  if (params.refs.length === 0) return [];
  const rows = await db
    .select()
    .from(managedEventWrites)
    .where(
      and(
        eq(managedEventWrites.connectionId, params.connectionId),
        inArray(managedEventWrites.providerEventRef, params.refs),
      ),
    );
  return rows as ManagedWriteRow[];
}
