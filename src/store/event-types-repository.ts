import { and, asc, eq, inArray, sql } from "drizzle-orm";
import type { EventTypeRooms } from "../core/bookings/event-type-rooms.ts";
import type { BookingQuestion, EventLocation, EventTypeRules } from "../core/bookings/event-type-rules.ts";
import type { RoundRobinSettings } from "../core/bookings/round-robin.ts";
import { DEFAULT_REMINDERS, type ReminderSettings } from "../core/reminders/reminder-settings.ts";
import type { Database } from "./database.ts";
import { type HostId, newId, type TenantId } from "./ids.ts";
import { preparedPerDatabase } from "./prepared-per-database.ts";
import { calendarConnections, eventTypeHosts, eventTypes, hosts, tenants } from "./schema.ts";
import { isForeignKeyViolation } from "./sql-errors.ts";

export type EventTypeId = string & { readonly __brand: "EventTypeId" };
export type SchedulingMode = "single" | "collective" | "round-robin";

export interface EventTypeInput {
  slug: string;
  title: string;
  description?: string | null | undefined;
  durations: number[];
  location?: EventLocation | null | undefined;
  mode: SchedulingMode;
  hostIds: HostId[];
  rules: EventTypeRules;
  questions: BookingQuestion[];
  requiresConfirmation: boolean;
  rooms?: EventTypeRooms | null | undefined;
  /** Seats per slot (null or absent: one-to-one). */
  seats?: number | null | undefined;
  seatsShowAttendees?: boolean | undefined;
  /** Round-robin weights and priorities (null: least recently booked). */
  roundRobin?: RoundRobinSettings | null | undefined;
  /** A decline by the only attendee cancels the booking. */
  cancelOnDecline?: boolean | undefined;
  /** Reminder offsets (absent: 24 h and 1 h before start, attendees only). */
  reminders?: ReminderSettings | undefined;
}

export interface EventTypeRow extends EventTypeInput {
  id: EventTypeId;
  tenantId: TenantId;
  createdAt: Date;
  updatedAt: Date;
}

export class EventTypeConflictError extends Error {
  override name = "EventTypeConflictError";
}

type EventTypeRecord = typeof eventTypes.$inferSelect;

function toRow(record: EventTypeRecord, hostIds: HostId[]): EventTypeRow {
  return {
    id: record.id as EventTypeId,
    tenantId: record.tenantId as TenantId,
    slug: record.slug,
    title: record.title,
    description: record.description,
    durations: record.durations as number[],
    location: (record.location as EventLocation | null) ?? null,
    mode: record.mode as SchedulingMode,
    hostIds,
    rules: record.rules as EventTypeRules,
    questions: record.questions as BookingQuestion[],
    requiresConfirmation: record.requiresConfirmation,
    rooms: (record.rooms as EventTypeRooms | null) ?? null,
    seats: record.seats ?? null,
    seatsShowAttendees: record.seatsShowAttendees,
    roundRobin: (record.roundRobin as RoundRobinSettings | null) ?? null,
    cancelOnDecline: record.cancelOnDecline,
    reminders: (record.reminders as ReminderSettings | null) ?? DEFAULT_REMINDERS,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

async function hostIdsOf(db: Database, ids: string[]): Promise<Map<string, HostId[]>> {
  const map = new Map<string, HostId[]>();
  if (ids.length === 0) return map;
  const rows = await db
    .select()
    .from(eventTypeHosts)
    .where(inArray(eventTypeHosts.eventTypeId, ids))
    .orderBy(asc(eventTypeHosts.position));
  for (const row of rows) {
    const list = map.get(row.eventTypeId) ?? [];
    list.push(row.hostId as HostId);
    map.set(row.eventTypeId, list);
  }
  return map;
}

/** Checks that every host belongs to the tenant: an event type can never reach another tenant's host. */
async function assertTenantHosts(db: Database, tenantId: TenantId, hostIds: HostId[]): Promise<void> {
  if (hostIds.length === 0) return;
  const found = await db
    .select({ id: hosts.id })
    .from(hosts)
    .where(and(eq(hosts.tenantId, tenantId), inArray(hosts.id, hostIds)));
  const known = new Set(found.map((row) => row.id));
  // Positions, not ids: the message must not confirm whether an id exists in another tenant.
  const missing = hostIds.flatMap((id, index) => (known.has(id) ? [] : [`hostIds.${index}`]));
  if (missing.length > 0) throw new EventTypeConflictError(`unknown host: ${missing.join(", ")}`);
}

/** Rooms are found through a Microsoft or Google connection of one of the event type's own hosts. */
async function assertRoomsConnection(db: Database, tenantId: TenantId, input: EventTypeInput): Promise<void> {
  if (!input.rooms) return;
  const [connection] = await db
    .select({ hostId: calendarConnections.hostId, provider: calendarConnections.provider })
    .from(calendarConnections)
    .where(
      and(eq(calendarConnections.tenantId, tenantId), eq(calendarConnections.id, input.rooms.connectionId)),
    );
  if (!connection || !input.hostIds.includes(connection.hostId as HostId))
    throw new EventTypeConflictError(
      "unknown room connection: rooms.connectionId is not a connection of a host of this event type",
    );
  if (connection.provider !== "microsoft" && connection.provider !== "google")
    throw new EventTypeConflictError(
      "unknown room connection: rooms are read through a Microsoft 365 or Google Workspace connection",
    );
  // Google has no room lists in the Calendar API (buildings are the Admin SDK's): rooms are named one by one.
  if (connection.provider === "google" && input.rooms.roomList !== undefined)
    throw new EventTypeConflictError(
      "unknown room list: a Google connection names its rooms in rooms.emails (their resource calendar addresses)",
    );
}

async function writeHosts(
  db: Database,
  tenantId: TenantId,
  eventTypeId: string,
  hostIds: HostId[],
): Promise<void> {
  await db.delete(eventTypeHosts).where(eq(eventTypeHosts.eventTypeId, eventTypeId));
  if (hostIds.length > 0) {
    await db
      .insert(eventTypeHosts)
      .values(hostIds.map((hostId, position) => ({ tenantId, eventTypeId, hostId, position })));
  }
}

export async function insertEventType(
  db: Database,
  tenantId: TenantId,
  input: EventTypeInput,
): Promise<EventTypeRow> {
  return db.transaction(async (tx) => {
    await assertTenantHosts(tx, tenantId, input.hostIds);
    await assertRoomsConnection(tx, tenantId, input);
    const existing = await tx
      .select({ id: eventTypes.id })
      .from(eventTypes)
      .where(and(eq(eventTypes.tenantId, tenantId), eq(eventTypes.slug, input.slug)));
    if (existing.length > 0)
      throw new EventTypeConflictError(`an event type with slug "${input.slug}" exists`);
    const { hostIds, ...fields } = input;
    const [record] = await tx
      .insert(eventTypes)
      .values({ id: newId(), tenantId, ...fields })
      .returning();
    await writeHosts(tx, tenantId, record!.id, hostIds);
    return toRow(record!, hostIds);
  });
}

export async function listEventTypes(db: Database, tenantId: TenantId): Promise<EventTypeRow[]> {
  const records = await db
    .select()
    .from(eventTypes)
    .where(eq(eventTypes.tenantId, tenantId))
    .orderBy(asc(eventTypes.createdAt), asc(eventTypes.id));
  const hostMap = await hostIdsOf(
    db,
    records.map((record) => record.id),
  );
  return records.map((record) => toRow(record, hostMap.get(record.id) ?? []));
}

export async function getEventType(
  db: Database,
  tenantId: TenantId,
  id: string,
): Promise<EventTypeRow | undefined> {
  const [record] = await db
    .select()
    .from(eventTypes)
    .where(and(eq(eventTypes.tenantId, tenantId), eq(eventTypes.id, id)));
  if (!record) return undefined;
  return toRow(record, (await hostIdsOf(db, [record.id])).get(record.id) ?? []);
}

// One round trip with the hosts folded in, prepared: every public slots request and booking starts here.
const publicEventTypeQuery = preparedPerDatabase((db) =>
  db
    .select({
      eventType: eventTypes,
      hostIds: sql<HostId[]>`coalesce((
        select json_agg(${eventTypeHosts.hostId} order by ${eventTypeHosts.position})
          from ${eventTypeHosts} where ${eventTypeHosts.eventTypeId} = ${eventTypes.id}
      ), '[]'::json)`,
    })
    .from(eventTypes)
    .innerJoin(tenants, eq(tenants.id, eventTypes.tenantId))
    .where(
      and(
        eq(tenants.slug, sql.placeholder("tenantSlug")),
        eq(eventTypes.slug, sql.placeholder("eventTypeSlug")),
      ),
    )
    .prepare("public_event_type_v1"),
);

/** The public booking page's lookup: by tenant slug and event type slug, no API key. */
export async function findPublicEventType(
  db: Database,
  params: { tenantSlug: string; eventTypeSlug: string },
): Promise<EventTypeRow | undefined> {
  const [record] = await publicEventTypeQuery(db).execute(params);
  if (!record) return undefined;
  return toRow(record.eventType, record.hostIds);
}

export async function updateEventType(
  db: Database,
  tenantId: TenantId,
  id: string,
  input: EventTypeInput,
): Promise<EventTypeRow | undefined> {
  return db.transaction(async (tx) => {
    await assertTenantHosts(tx, tenantId, input.hostIds);
    await assertRoomsConnection(tx, tenantId, input);
    const clash = await tx
      .select({ id: eventTypes.id })
      .from(eventTypes)
      .where(and(eq(eventTypes.tenantId, tenantId), eq(eventTypes.slug, input.slug)));
    if (clash.some((row) => row.id !== id))
      throw new EventTypeConflictError(`an event type with slug "${input.slug}" exists`);
    const { hostIds, ...fields } = input;
    const [record] = await tx
      .update(eventTypes)
      .set({ ...fields, updatedAt: new Date() })
      .where(and(eq(eventTypes.tenantId, tenantId), eq(eventTypes.id, id)))
      .returning();
    if (!record) return undefined;
    await writeHosts(tx, tenantId, record.id, hostIds);
    return toRow(record, hostIds);
  });
}

export async function deleteEventType(
  db: Database,
  tenantId: TenantId,
  id: string,
): Promise<"deleted" | "missing" | "has_bookings"> {
  try {
    const rows = await db
      .delete(eventTypes)
      .where(and(eq(eventTypes.tenantId, tenantId), eq(eventTypes.id, id)))
      .returning({ id: eventTypes.id });
    return rows.length > 0 ? "deleted" : "missing";
  } catch (error) {
    if (isForeignKeyViolation(error)) return "has_bookings"; // bookings keep their event type (foreign key restrict)
    throw error;
  }
}
