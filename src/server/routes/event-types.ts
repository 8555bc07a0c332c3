import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { eventTypeRoomsSchema } from "../../core/bookings/event-type-rooms.ts";
import {
  bookingQuestionSchema,
  eventTypeRulesSchema,
  locationSchema,
  reservedQuestionIds,
} from "../../core/bookings/event-type-rules.ts";
import { roundRobinSchema } from "../../core/bookings/round-robin.ts";
import { seatsSchema } from "../../core/bookings/seats.ts";
import { DEFAULT_REMINDERS, reminderSettingsSchema } from "../../core/reminders/reminder-settings.ts";
import type { Database } from "../../store/database.ts";
import {
  deleteEventType,
  EventTypeConflictError,
  type EventTypeInput,
  type EventTypeRow,
  getEventType,
  insertEventType,
  listEventTypes,
  updateEventType,
} from "../../store/event-types-repository.ts";
import type { HostId, TenantId } from "../../store/ids.ts";
import { requireTenant } from "../auth.ts";
import { AppError, notFound } from "../errors.ts";
import { idParam, standardErrors } from "../schemas.ts";

export const eventTypeInputSchema = z
  .object({
    slug: z
      .string()
      .regex(
        /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/,
        "slug: lower-case letters, digits and dashes (max 64)",
      ),
    title: z.string().trim().min(1).max(200),
    description: z.string().max(5000).nullable().optional(),
    durations: z
      .array(
        z
          .number()
          .int()
          .min(5, "durations are at least 5 minutes")
          .max(24 * 60),
      )
      .min(1, "give at least one duration")
      .max(10)
      .refine((list) => new Set(list).size === list.length, "durations must be distinct")
      .meta({ description: "Allowed durations in minutes; the first is the default" }),
    location: locationSchema.nullable().optional(),
    mode: z.enum(["single", "collective", "round-robin"]).default("single"),
    hostIds: z
      .array(z.guid({ message: "host ids are UUIDs" }))
      .min(1, "an event type needs at least one host")
      .max(100),
    rules: eventTypeRulesSchema.default({
      bufferBeforeMinutes: 0,
      bufferAfterMinutes: 0,
      minimumNoticeMinutes: 0,
    }),
    questions: z
      .array(bookingQuestionSchema)
      .max(30)
      .default([])
      .refine((list) => list.every((question) => !reservedQuestionIds.has(question.id)), {
        message: "name and email are always asked; do not list them as questions",
      })
      .refine(
        (list) => new Set(list.map((question) => question.id)).size === list.length,
        "question ids must be distinct",
      ),
    requiresConfirmation: z.boolean().default(false),
    rooms: eventTypeRoomsSchema.nullable().optional().meta({
      description:
        "Rooms the booking needs one of (Microsoft 365, MICROSOFT_ROOMS=true): `emails` tried in order, or a `roomList`; slots need a free room",
    }),
    seats: seatsSchema.nullable().optional().meta({
      description:
        "Seats per slot (1..10000) for group sessions: each attendee books a seat of their own; absent: one-to-one",
    }),
    seatsShowAttendees: z
      .boolean()
      .default(false)
      .meta({ description: "Whether attendees of a session see each other's names" }),
    roundRobin: roundRobinSchema.nullable().optional().meta({
      description:
        "Round-robin fairness: weight (>= 0) and priority per host, counted over `windowDays`; absent: least recently booked",
    }),
    cancelOnDecline: z.boolean().default(false).meta({
      description: "When the only attendee declines the invitation in their calendar, cancel the booking",
    }),
    reminders: reminderSettingsSchema.default(DEFAULT_REMINDERS).meta({
      description:
        "Reminder mail (and booking.reminder_due webhooks) before start: 0..4 distinct offsets of 5..43200 minutes; default 24 h and 1 h",
    }),
  })
  .strict()
  .superRefine((value, ctx) => {
    if (value.mode === "single" && value.hostIds.length !== 1) {
      ctx.addIssue({ code: "custom", path: ["hostIds"], message: "mode single takes exactly one host" });
    }
    if (value.seats != null && value.mode === "round-robin") {
      ctx.addIssue({ code: "custom", path: ["seats"], message: "seats need mode single or collective" });
    }
    if (value.seats != null && value.rooms) {
      ctx.addIssue({ code: "custom", path: ["seats"], message: "seats and rooms cannot be combined" });
    }
    for (const hostId of Object.keys(value.roundRobin?.hosts ?? {})) {
      if (!value.hostIds.includes(hostId))
        ctx.addIssue({
          code: "custom",
          path: ["roundRobin", "hosts"],
          message: "not a host of the event type",
        });
    }
    if (new Set(value.hostIds).size !== value.hostIds.length) {
      ctx.addIssue({ code: "custom", path: ["hostIds"], message: "host ids must be distinct" });
    }
  });

export const eventTypeSchema = z
  .object({
    id: z.string(),
    slug: z.string(),
    title: z.string(),
    description: z.string().nullable(),
    durations: z.array(z.number()),
    location: z.unknown().nullable(),
    mode: z.string(),
    hostIds: z.array(z.string()),
    rules: z.record(z.string(), z.unknown()),
    questions: z.array(z.unknown()),
    requiresConfirmation: z.boolean(),
    rooms: eventTypeRoomsSchema.nullable(),
    seats: z.number().nullable(),
    seatsShowAttendees: z.boolean(),
    roundRobin: roundRobinSchema.nullable(),
    cancelOnDecline: z.boolean(),
    reminders: reminderSettingsSchema,
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: "EventType" });

function present(row: EventTypeRow): z.infer<typeof eventTypeSchema> {
  return {
    id: row.id,
    slug: row.slug,
    title: row.title,
    description: row.description ?? null,
    durations: row.durations,
    location: row.location ?? null,
    mode: row.mode,
    hostIds: row.hostIds,
    rules: row.rules as Record<string, unknown>,
    questions: row.questions,
    requiresConfirmation: row.requiresConfirmation,
    rooms: row.rooms ?? null,
    seats: row.seats ?? null,
    seatsShowAttendees: row.seatsShowAttendees ?? false,
    roundRobin: row.roundRobin ?? null,
    cancelOnDecline: row.cancelOnDecline ?? false,
    reminders: row.reminders ?? DEFAULT_REMINDERS,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

function toInput(body: z.infer<typeof eventTypeInputSchema>): EventTypeInput {
  return {
    ...body,
    hostIds: body.hostIds as HostId[],
    location: body.location ?? null,
    rooms: body.rooms ?? null,
    seats: body.seats ?? null,
    roundRobin: body.roundRobin ?? null,
  };
}

function mapConflicts(error: unknown): never {
  if (error instanceof EventTypeConflictError) {
    throw new AppError(
      error.message.startsWith("unknown host") || error.message.startsWith("unknown room")
        ? "validation_failed"
        : "conflict",
      error.message,
    );
  }
  throw error;
}

const params = z.object({ eventTypeId: idParam("event type id") });

/** Event types: what can be booked, with whom, for how long and under which rules. */
export function eventTypeRoutes(
  db: Database,
  horizonChanged?: (tenantId: TenantId) => Promise<void>,
): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      "/event-types",
      {
        schema: {
          tags: ["Event types"],
          summary: "Create an event type",
          body: eventTypeInputSchema,
          response: { 201: eventTypeSchema, ...standardErrors, 409: standardErrors[400] },
        },
      },
      async (request, reply) => {
        const row = await insertEventType(db, requireTenant(request), toInput(request.body)).catch(
          mapConflicts,
        );
        await horizonChanged?.(requireTenant(request));
        return reply.status(201).send(present(row));
      },
    );
    app.get(
      "/event-types",
      {
        schema: {
          tags: ["Event types"],
          summary: "List event types",
          response: { 200: z.object({ data: z.array(eventTypeSchema) }), ...standardErrors },
        },
      },
      async (request) => ({ data: (await listEventTypes(db, requireTenant(request))).map(present) }),
    );
    app.get(
      "/event-types/:eventTypeId",
      {
        schema: {
          tags: ["Event types"],
          summary: "Get an event type",
          params,
          response: { 200: eventTypeSchema, ...standardErrors },
        },
      },
      async (request) => {
        const row = await getEventType(db, requireTenant(request), request.params.eventTypeId);
        if (!row) throw notFound("event type");
        return present(row);
      },
    );
    app.put(
      "/event-types/:eventTypeId",
      {
        schema: {
          tags: ["Event types"],
          summary: "Replace an event type",
          params,
          body: eventTypeInputSchema,
          response: { 200: eventTypeSchema, ...standardErrors, 409: standardErrors[400] },
        },
      },
      async (request) => {
        const row = await updateEventType(
          db,
          requireTenant(request),
          request.params.eventTypeId,
          toInput(request.body),
        ).catch(mapConflicts);
        if (!row) throw notFound("event type");
        // A longer horizon widens the synced window: the calendars are synced over it (until then it fails closed).
        await horizonChanged?.(requireTenant(request));
        return present(row);
      },
    );
    app.delete(
      "/event-types/:eventTypeId",
      {
        schema: {
          tags: ["Event types"],
          summary: "Delete an event type without bookings",
          params,
          response: { 204: z.null(), ...standardErrors, 409: standardErrors[400] },
        },
      },
      async (request, reply) => {
        const result = await deleteEventType(db, requireTenant(request), request.params.eventTypeId);
        if (result === "missing") throw notFound("event type");
        if (result === "has_bookings")
          throw new AppError("conflict", "the event type has bookings; it cannot be deleted");
        return reply.status(204).send(null);
      },
    );
  };
}
