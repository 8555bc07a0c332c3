import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { recordManagedEventAudit } from "../../audit/record-audit.ts";
import {
  DEFAULT_REMINDERS,
  mailLocaleSchema,
  reminderSettingsSchema,
} from "../../core/reminders/reminder-settings.ts";
import { timeZoneSchema } from "../../core/schedules/schedule.ts";
import { isSafeHref } from "../../notify/mail/escape-html.ts";
import { managedEventBody } from "../../scheduling/managed-event-body.ts";
import type { ManagedEventsService } from "../../scheduling/managed-events-service.ts";
import type { Database } from "../../store/database.ts";
import type { HostId } from "../../store/ids.ts";
import {
  getManagedEvent,
  listManagedEvents,
  listManagedWrites,
  type ManagedEventFields,
  type ManagedEventRow,
} from "../../store/managed-events-repository.ts";
import { auditContextOf, requireTenant } from "../auth.ts";
import { notFound } from "../errors.ts";
import { errorResponseSchema, idParam, standardErrors } from "../schemas.ts";
import { encodeStartCursor, parseStartCursor } from "../start-cursor.ts";

export interface ManagedEventRouteDeps {
  db: Database;
  managedEvents: ManagedEventsService;
}

export const MAX_ATTENDEES = 100;
export const MAX_DESCRIPTION = 8_000;
const MAX_METADATA_BYTES = 4_096;
/** Large enough that an oversized description is answered with its own 400, not a bare 413. */
const BODY_LIMIT = 2 * 1024 * 1024;

const instant = (name: string) =>
  z.iso.datetime({ offset: true, message: `${name} must be an ISO 8601 date-time` });

const locationSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("address"), value: z.string().trim().min(1).max(500) }).strict(),
  z.object({ kind: z.literal("phone"), value: z.string().trim().min(1).max(50) }).strict(),
  z
    .object({
      kind: z.literal("link"),
      value: z.string().max(2000).refine(isSafeHref, "a link location must be an http(s) URL"),
    })
    .strict(),
  z.object({ kind: z.literal("teams") }).strict(),
  z.object({ kind: z.literal("meet") }).strict(),
]);

const recurrenceSchema = z
  .object({
    rule: z.string().min(1).max(200).meta({
      description: "RRULE subset: FREQ=DAILY|WEEKLY|MONTHLY with INTERVAL, BYDAY, COUNT or UNTIL",
    }),
    exdates: z.array(instant("exdates[]")).max(366).default([]),
    overrides: z
      .array(
        z
          .object({ originalStart: instant("originalStart"), start: instant("start"), end: instant("end") })
          .strict(),
      )
      .max(100)
      .default([]),
  })
  .strict();

const metadataSchema = z
  .record(z.string(), z.unknown())
  .refine(
    (value) => JSON.stringify(value).length <= MAX_METADATA_BYTES,
    "metadata must be at most 4 KB of JSON",
  );

const fieldShape = {
  title: z.string().trim().min(1).max(255),
  description: z
    .string()
    .max(MAX_DESCRIPTION, `description must be at most ${MAX_DESCRIPTION} characters`)
    .nullable()
    .optional(),
  start: instant("start"),
  end: instant("end"),
  timeZone: z.string().min(1).max(64).meta({ description: "IANA zone the event (and its series) lives in" }),
  location: locationSchema.nullable().optional(),
  attendees: z
    .array(
      z
        .object({
          name: z.string().trim().min(1).max(200).optional(),
          email: z.email().max(254),
          timeZone: timeZoneSchema
            .optional()
            .meta({ description: "The attendee's zone for their reminder (default: the event's)" }),
          locale: mailLocaleSchema
            .optional()
            .meta({ description: "The attendee's language for their reminder (default en)" }),
        })
        .strict(),
    )
    .max(MAX_ATTENDEES, `an event may have at most ${MAX_ATTENDEES} attendees`),
  recurrence: recurrenceSchema.nullable().optional(),
  blocksAvailability: z.boolean(),
  metadata: metadataSchema,
  calendarChangePolicy: z.enum(["accept", "notify", "restore"]).nullable().optional(),
  hostIds: z.array(z.guid()).max(20),
  reminders: reminderSettingsSchema.meta({
    description:
      "Reminder mail to the attendees (and event.reminder_due webhooks) before each start: 0..4 distinct offsets of 5..43200 minutes; default 24 h and 1 h",
  }),
};

const createBody = z
  .object({
    externalId: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .meta({ description: "The app's own id: the same id updates" }),
    ...fieldShape,
    attendees: fieldShape.attendees.default([]),
    blocksAvailability: fieldShape.blocksAvailability.default(true),
    metadata: metadataSchema.default({}),
    reminders: fieldShape.reminders.default(DEFAULT_REMINDERS),
    hostIds: fieldShape.hostIds
      .default([])
      .meta({ description: "More hosts of a collective event (the path's host is always one)" }),
  })
  .strict();

const patchBody = z
  .object({
    title: fieldShape.title.optional(),
    description: fieldShape.description,
    start: fieldShape.start.optional(),
    end: fieldShape.end.optional(),
    timeZone: fieldShape.timeZone.optional(),
    location: fieldShape.location,
    attendees: fieldShape.attendees.optional(),
    recurrence: fieldShape.recurrence,
    blocksAvailability: fieldShape.blocksAvailability.optional(),
    metadata: metadataSchema.optional(),
    calendarChangePolicy: fieldShape.calendarChangePolicy,
    reminders: fieldShape.reminders.optional(),
    hostIds: fieldShape.hostIds.min(1).optional().meta({ description: "All hosts of the event" }),
  })
  .strict();

export const managedEventSchema = z
  .object({
    id: z.string(),
    externalId: z.string(),
    hostIds: z.array(z.string()),
    status: z.enum(["active", "cancelled"]),
    title: z.string(),
    description: z.string().nullable(),
    start: z.string(),
    end: z.string(),
    timeZone: z.string(),
    location: z.object({ kind: z.string(), value: z.string().optional() }).nullable(),
    attendees: z.array(
      z.object({
        name: z.string().optional(),
        email: z.string(),
        timeZone: z.string().optional(),
        locale: z.string().optional(),
      }),
    ),
    recurrence: z
      .object({
        rule: z.string(),
        exdates: z.array(z.string()),
        overrides: z.array(z.object({ originalStart: z.string(), start: z.string(), end: z.string() })),
      })
      .nullable(),
    blocksAvailability: z.boolean(),
    metadata: z.record(z.string(), z.unknown()),
    calendarChangePolicy: z.enum(["accept", "notify", "restore"]).nullable(),
    reminders: reminderSettingsSchema,
    cancelReason: z.string().nullable(),
    joinUrl: z.string().nullable(),
    calendarSync: z.array(
      z.object({
        connectionId: z.string(),
        hostId: z.string(),
        operation: z.enum(["create", "update", "cancel"]),
        state: z.enum(["pending", "written", "failed"]),
        joinUrl: z.string().nullable(),
        error: z.string().nullable(),
        warning: z.string().nullable(),
        updatedAt: z.string(),
      }),
    ),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: "ManagedEvent" });

const eventParams = z.object({ eventId: idParam("event id") });
const hostParams = z.object({ hostId: idParam("host id") });
const listQuery = z.object({
  hostId: z.guid().optional(),
  externalId: z.string().min(1).max(200).optional(),
  from: instant("from").optional(),
  to: instant("to").optional(),
  status: z.enum(["active", "cancelled"]).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});
const errors = { ...standardErrors, 409: errorResponseSchema };

type Body = z.infer<typeof createBody>;

function fieldsOf(body: Body): ManagedEventFields {
  return {
    title: body.title,
    description: body.description ?? null,
    startAt: new Date(body.start),
    endAt: new Date(body.end),
    timeZone: body.timeZone,
    location: body.location ?? null,
    attendees: body.attendees,
    recurrence: body.recurrence ? normaliseRecurrence(body.recurrence) : null,
    blocksAvailability: body.blocksAvailability,
    metadata: body.metadata,
    calendarChangePolicy: body.calendarChangePolicy ?? null,
    reminders: body.reminders,
  };
}

function normaliseRecurrence(recurrence: NonNullable<Body["recurrence"]>): ManagedEventFields["recurrence"] {
  const iso = (at: string) => new Date(at).toISOString();
  return {
    rule: recurrence.rule,
    exdates: recurrence.exdates.map(iso),
    overrides: recurrence.overrides.map((o) => ({
      originalStart: iso(o.originalStart),
      start: iso(o.start),
      end: iso(o.end),
    })),
  };
}

/**
 * Managed events: the tenant's app pushes its own events (a training, a service appointment) into its hosts'
 * calendars. POST is idempotent by `externalId`; the answer carries the write state per connection.
 */
export function managedEventRoutes(deps: ManagedEventRouteDeps): FastifyPluginAsyncZod {
  const present = async (rows: ManagedEventRow[]) => {
    const writes = await listManagedWrites(
      deps.db,
      rows.map((row) => row.id),
    );
    return rows.map((row) => managedEventBody(row, writes));
  };
  return async (app) => {
    app.post(
      "/hosts/:hostId/events",
      {
        bodyLimit: BODY_LIMIT,
        schema: {
          tags: ["Managed events"],
          summary: "Create a managed event, or update the one with the same externalId",
          params: hostParams,
          body: createBody,
          response: { 200: managedEventSchema, 201: managedEventSchema, ...errors },
        },
      },
      async (request, reply) => {
        const body = request.body;
        const result = await deps.managedEvents.upsert({
          tenantId: requireTenant(request),
          externalId: body.externalId,
          hostIds: [request.params.hostId, ...body.hostIds] as HostId[],
          fields: fieldsOf(body),
        });
        await recordManagedEventAudit(deps.db, {
          ...auditContextOf(request),
          event: result.event,
          action: result.created ? "managed_event.created" : "managed_event.updated",
        });
        reply.status(result.created ? 201 : 200);
        return managedEventBody(result.event, result.writes);
      },
    );
    const list = async (query: z.infer<typeof listQuery>, tenantId: ReturnType<typeof requireTenant>) => {
      const rows = await listManagedEvents(deps.db, tenantId, {
        limit: query.limit + 1,
        ...(query.hostId ? { hostId: query.hostId as HostId } : {}),
        ...(query.externalId ? { externalId: query.externalId } : {}),
        ...(query.status ? { status: query.status } : {}),
        ...(query.from ? { from: new Date(query.from) } : {}),
        ...(query.to ? { to: new Date(query.to) } : {}),
        ...(query.cursor ? { after: parseStartCursor(query.cursor) } : {}),
      });
      const page = rows.slice(0, query.limit);
      const last = page[page.length - 1];
      return {
        data: await present(page),
        nextCursor: rows.length > query.limit && last ? encodeStartCursor(last) : null,
      };
    };
    const listResponse = z.object({ data: z.array(managedEventSchema), nextCursor: z.string().nullable() });
    app.get(
      "/events",
      {
        schema: {
          tags: ["Managed events"],
          summary: "List managed events (by start; filters: host, time range, externalId, status)",
          querystring: listQuery,
          response: { 200: listResponse, ...standardErrors },
        },
      },
      async (request) => list(request.query, requireTenant(request)),
    );
    app.get(
      "/hosts/:hostId/events",
      {
        schema: {
          tags: ["Managed events"],
          summary: "List one host's managed events",
          params: hostParams,
          querystring: listQuery.omit({ hostId: true }),
          response: { 200: listResponse, ...standardErrors },
        },
      },
      async (request) => list({ ...request.query, hostId: request.params.hostId }, requireTenant(request)),
    );
    app.get(
      "/events/:eventId",
      {
        schema: {
          tags: ["Managed events"],
          summary: "Get a managed event",
          params: eventParams,
          response: { 200: managedEventSchema, ...standardErrors },
        },
      },
      async (request) => {
        const event = await getManagedEvent(deps.db, requireTenant(request), request.params.eventId);
        if (!event) throw notFound("event");
        return (await present([event]))[0]!;
      },
    );
    app.patch(
      "/events/:eventId",
      {
        bodyLimit: BODY_LIMIT,
        schema: {
          tags: ["Managed events"],
          summary: "Change a managed event (a series' moved or removed occurrences go in recurrence)",
          params: eventParams,
          body: patchBody,
          response: { 200: managedEventSchema, ...errors },
        },
      },
      async (request) => {
        const body = request.body;
        const fields: Partial<ManagedEventFields> = {
          ...(body.title !== undefined ? { title: body.title } : {}),
          ...(body.description !== undefined ? { description: body.description } : {}),
          ...(body.start !== undefined ? { startAt: new Date(body.start) } : {}),
          ...(body.end !== undefined ? { endAt: new Date(body.end) } : {}),
          ...(body.timeZone !== undefined ? { timeZone: body.timeZone } : {}),
          ...(body.location !== undefined ? { location: body.location } : {}),
          ...(body.attendees !== undefined ? { attendees: body.attendees } : {}),
          ...(body.reminders !== undefined ? { reminders: body.reminders } : {}),
          ...(body.recurrence !== undefined
            ? { recurrence: body.recurrence ? normaliseRecurrence(body.recurrence) : null }
            : {}),
          ...(body.blocksAvailability !== undefined ? { blocksAvailability: body.blocksAvailability } : {}),
          ...(body.metadata !== undefined ? { metadata: body.metadata } : {}),
          ...(body.calendarChangePolicy !== undefined
            ? { calendarChangePolicy: body.calendarChangePolicy }
            : {}),
        };
        const result = await deps.managedEvents.update({
          tenantId: requireTenant(request),
          id: request.params.eventId,
          fields,
          ...(body.hostIds ? { hostIds: body.hostIds as HostId[] } : {}),
        });
        await recordManagedEventAudit(deps.db, {
          ...auditContextOf(request),
          event: result.event,
          action: "managed_event.updated",
        });
        return managedEventBody(result.event, result.writes);
      },
    );
    app.delete(
      "/events/:eventId",
      {
        schema: {
          tags: ["Managed events"],
          summary: "Cancel a managed event (removed from the calendars; attendees get the cancellation)",
          params: eventParams,
          body: z.object({ reason: z.string().trim().min(1, "give a reason").max(1000) }).strict(),
          response: { 200: managedEventSchema, ...errors },
        },
      },
      async (request) => {
        const result = await deps.managedEvents.cancel({
          tenantId: requireTenant(request),
          id: request.params.eventId,
          reason: request.body.reason,
        });
        await recordManagedEventAudit(deps.db, {
          ...auditContextOf(request),
          event: result.event,
          action: "managed_event.cancelled",
        });
        return managedEventBody(result.event, result.writes);
      },
    );
  };
}
