import rateLimit from "@fastify/rate-limit";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { recordBookingAudit } from "../../audit/record-audit.ts";
import { NO_SLOTS_CODES } from "../../core/availability/explain-no-slots.ts";
import { createInstantFormatter } from "../../core/availability/instant-text.ts";
import { groupSlotsByLocalDate } from "../../core/availability/invitee-dates.ts";
import { checkAnswers } from "../../core/bookings/event-type-rules.ts";
import { mailLocaleSchema } from "../../core/reminders/reminder-settings.ts";
import { timeZoneSchema } from "../../core/schedules/schedule.ts";
import { hashBookingRequest } from "../../scheduling/booking-service.ts";
import { type EmptySlotsReason, findSlotsAnswer } from "../../scheduling/find-slots.ts";
import { type EventTypeRow, findPublicEventType } from "../../store/event-types-repository.ts";
import { AppError, notFound } from "../errors.ts";
import { rateLimitPluginOptions } from "../rate-limit-store.ts";
import { errorResponseSchema } from "../schemas.ts";
import { attendeeLinks, type BookingRouteDeps } from "./booking-context.ts";
import { loadPageContext, pageContextShape } from "./booking-page-context.ts";
import { bookingSchema, presentBooking } from "./booking-presenter.ts";
import { holdServiceOf, registerHoldRoutes } from "./public-holds.ts";

const MAX_RANGE_DAYS = 62;
const pathParams = z.object({ tenantSlug: z.string().max(64), eventTypeSlug: z.string().max(64) });
const instant = z.iso.datetime({
  offset: true,
  message: "must be an ISO 8601 date-time with a zone, e.g. 2030-03-01T00:00:00Z",
});

async function loadEventType(
  deps: BookingRouteDeps,
  params: z.infer<typeof pathParams>,
): Promise<EventTypeRow> {
  const eventType = await findPublicEventType(deps.db, params);
  if (!eventType) throw notFound("event type");
  return eventType;
}

/**
 * The slots endpoint's event type, kept in the slots cache under the same rules as its answers (10 s, dropped at
 * once when this process changes anything of the tenant): a booking page asks for several ranges of one event type,
 * and the answers' own cache already allows that staleness. Bookings always read the event type fresh.
 */
async function loadEventTypeForSlots(
  deps: BookingRouteDeps,
  params: z.infer<typeof pathParams>,
  ticket: number,
): Promise<EventTypeRow> {
  const key = JSON.stringify(["event-type", params.tenantSlug, params.eventTypeSlug]);
  const cached = deps.slotsCache?.get(key);
  if (cached !== undefined) return cached as EventTypeRow;
  const eventType = await loadEventType(deps, params);
  deps.slotsCache?.set(key, { tenantId: eventType.tenantId }, ticket, eventType);
  return eventType;
}

function pickDuration(eventType: EventTypeRow, requested: number | undefined): number {
  if (requested === undefined) return eventType.durations[0]!;
  if (!eventType.durations.includes(requested)) {
    throw new AppError(
      "validation_failed",
      `duration must be one of ${eventType.durations.join(", ")} minutes`,
    );
  }
  return requested;
}

const errors = { 400: errorResponseSchema, 404: errorResponseSchema, 429: errorResponseSchema };

/**
 * Fastify sends a string with a JSON content type as it is, skipping the response serializer; the type provider
 * only knows the object shape, so the already-serialized answer is passed through this one cast.
 */
function preSerialized(json: string): SlotsAnswer {
  return json as unknown as SlotsAnswer;
}

interface SlotsAnswer {
  timeZone: string;
  durationMinutes: number;
  slots: Array<{ start: string; end: string; seats?: { total: number; left: number } }>;
  days: Record<string, string[]>;
  asOf?: string | null;
  reason?: EmptySlotsReason;
}

const emptyReasonSchema = z
  .object({
    code: z.enum(["no_hosts", "no_free_room", ...NO_SLOTS_CODES]),
    message: z.string(),
  })
  .optional()
  .meta({
    description:
      "Present only when there are no slots: why (e.g. `horizon` when the range lies beyond how far ahead the event type may be booked)",
  });

/** The booking page API: no API key, addressed by tenant and event type slugs, rate-limited per client. */
export function publicBookingRoutes(deps: BookingRouteDeps): FastifyPluginAsyncZod {
  return async (app) => {
    await app.register(rateLimit, rateLimitPluginOptions(deps.rateLimitStore));
    const limit =
      deps.publicRateLimitPerMinute === false
        ? false
        : { max: deps.publicRateLimitPerMinute, timeWindow: 60_000 };
    const holds = holdServiceOf(deps);
    registerHoldRoutes(app, {
      deps,
      holds,
      rateLimit: limit,
      pathParams,
      instant,
      loadEventType: (params) => loadEventType(deps, params),
      pickDuration,
    });

    app.get(
      "/v1/public/:tenantSlug/:eventTypeSlug",
      {
        config: { rateLimit: limit },
        schema: {
          tags: ["Public booking"],
          summary: "An event type as a booking page shows it",
          params: pathParams,
          response: {
            200: z.object({
              slug: z.string(),
              title: z.string(),
              description: z.string().nullable(),
              durations: z.array(z.number()),
              location: z.object({ kind: z.string() }).nullable(),
              questions: z.array(z.unknown()),
              requiresConfirmation: z.boolean(),
              ...pageContextShape,
            }),
            ...errors,
          },
        },
      },
      async (request) => {
        const eventType = await loadEventType(deps, request.params);
        return {
          slug: eventType.slug,
          title: eventType.title,
          description: eventType.description ?? null,
          durations: eventType.durations,
          // The kind only: an address or a fixed meeting link is for those who booked.
          location: eventType.location ? { kind: eventType.location.kind } : null,
          questions: eventType.questions,
          requiresConfirmation: eventType.requiresConfirmation,
          ...(await loadPageContext(deps.db, eventType)),
        };
      },
    );

    app.get(
      "/v1/public/:tenantSlug/:eventTypeSlug/slots",
      {
        config: { rateLimit: limit },
        schema: {
          tags: ["Public booking"],
          summary:
            "Bookable slots in [from, to) (at most 62 days), grouped by the invitee's local date; when there are none, the reason",
          params: pathParams,
          querystring: z.object({
            from: instant,
            to: instant,
            timeZone: timeZoneSchema.meta({ description: "The invitee's IANA time zone" }),
            duration: z.coerce.number().int().optional(),
          }),
          response: {
            200: z.object({
              timeZone: z.string(),
              durationMinutes: z.number(),
              slots: z.array(
                z.object({
                  start: z.string(),
                  end: z.string(),
                  seats: z.object({ total: z.number(), left: z.number() }).optional().meta({
                    description: "Event types with seats only: the session's capacity and seats left",
                  }),
                }),
              ),
              days: z.record(z.string(), z.array(z.string())),
              asOf: z
                .string()
                .nullable()
                .optional()
                .meta({
                  description:
                    "How fresh the connected calendars behind this answer are: the oldest last sync among the hosts' " +
                    "blocking calendars (null: one has not synced yet; absent: no host has a connected calendar). " +
                    "Hosts whose calendars are stale are left out (fail closed).",
                }),
              reason: emptyReasonSchema,
            }),
            ...errors,
          },
        },
      },
      async (request, reply) => {
        const { from, to, timeZone, duration } = request.query;
        const range = { from: new Date(from), to: new Date(to) };
        if (range.to <= range.from)
          throw new AppError("validation_failed", "querystring.to: must be after from");
        if (range.to.getTime() - range.from.getTime() > MAX_RANGE_DAYS * 86_400_000) {
          throw new AppError(
            "validation_failed",
            `querystring.to: the range may span at most ${MAX_RANGE_DAYS} days`,
          );
        }
        const cacheKey = JSON.stringify([
          request.params.tenantSlug,
          request.params.eventTypeSlug,
          from,
          to,
          timeZone,
          duration,
        ]);
        // Before the first read: an answer whose reads race a booking is then not kept (see slots-cache.ts).
        const ticket = deps.slotsCache?.ticket() ?? 0;
        const cached = deps.slotsCache?.get(cacheKey);
        // Cached answers are kept serialized: a string with a JSON content type is sent as it is.
        if (typeof cached === "string")
          return reply.type("application/json; charset=utf-8").send(preSerialized(cached));
        const eventType = await loadEventTypeForSlots(deps, request.params, ticket);
        const durationMinutes = pickDuration(eventType, duration);
        const formatInstant = createInstantFormatter();
        const found = await findSlotsAnswer({
          db: deps.db,
          eventType,
          range,
          now: deps.now(),
          inviteeTimeZone: timeZone,
          durationMinutes,
          ...(deps.freshness ? { freshness: deps.freshness } : {}),
        });
        const slots = found.slots.map((slot) => ({
          start: formatInstant(slot.startMs),
          end: formatInstant(slot.endMs),
          hostIds: [],
          ...(slot.seats ? { seats: slot.seats } : {}),
        }));
        const grouped = groupSlotsByLocalDate({ slots, timeZone });
        const answer: SlotsAnswer = {
          timeZone,
          durationMinutes,
          slots: slots.map(({ start, end, seats }) => ({ start, end, ...(seats ? { seats } : {}) })),
          days: Object.fromEntries(
            Object.entries(grouped).map(([date, list]) => [date, list.map((slot) => slot.start)]),
          ),
          ...(found.asOfMs === undefined
            ? {}
            : { asOf: found.asOfMs === null ? null : formatInstant(found.asOfMs) }),
          ...(found.emptyReason ? { reason: found.emptyReason } : {}),
        };
        const body = JSON.stringify(answer);
        deps.slotsCache?.set(
          cacheKey,
          { tenantId: eventType.tenantId, hostIds: eventType.hostIds },
          ticket,
          body,
        );
        return reply.type("application/json; charset=utf-8").send(preSerialized(body));
      },
    );

    app.post(
      "/v1/public/:tenantSlug/:eventTypeSlug/bookings",
      {
        config: { rateLimit: limit },
        bodyLimit: 64 * 1024,
        schema: {
          tags: ["Public booking"],
          summary: "Book a slot. Send an Idempotency-Key header so that a retried request cannot book twice",
          params: pathParams,
          headers: z.object({
            "idempotency-key": z
              .string()
              .min(8)
              .max(200)
              .optional()
              .meta({ description: "A unique key per booking attempt" }),
          }),
          body: z
            .object({
              start: instant,
              duration: z.number().int().optional(),
              timeZone: timeZoneSchema,
              name: z.string().trim().min(1, "name is required").max(200),
              email: z.email({ message: "email must be a valid e-mail address" }).max(320),
              answers: z.record(z.string(), z.unknown()).default({}),
              holdToken: z.string().max(100).optional().meta({
                description: "The token of the visitor's slot hold (POST .../holds): consumed by the booking",
              }),
              locale: mailLocaleSchema
                .optional()
                .meta({ description: "The attendee's language for reminder mail (default en)" }),
              notes: z
                .string()
                .trim()
                .max(5000)
                .optional()
                .meta({ description: "Free text for the host; kept as the answer `notes`" }),
            })
            .strict(),
          response: {
            200: bookingSchema,
            201: bookingSchema,
            ...errors,
            409: errorResponseSchema,
            413: errorResponseSchema,
            422: errorResponseSchema,
          },
        },
      },
      async (request, reply) => {
        const eventType = await loadEventType(deps, request.params);
        const body = request.body;
        const durationMinutes = pickDuration(eventType, body.duration);
        const answers = checkAnswers(eventType.questions, body.answers);
        if (!answers.ok)
          throw new AppError("validation_failed", answers.problems.join("; "), { details: answers.problems });
        const start = new Date(body.start);
        if (body.holdToken)
          await holds.checkForBooking({ eventType, token: body.holdToken, start, durationMinutes });
        const { booking, replayed } = await deps.bookings.create(
          {
            eventType,
            start,
            durationMinutes,
            inviteeTimeZone: body.timeZone,
            attendee: { name: body.name, email: body.email },
            locale: body.locale,
            // Notes are kept with the answers, unless the event type asks its own `notes` question.
            answers: body.notes ? { notes: body.notes, ...answers.value } : answers.value,
            idempotencyKey: request.headers["idempotency-key"],
            holdToken: body.holdToken,
          },
          hashBookingRequest({ ...request.params, ...body }),
        );
        if (!replayed)
          await recordBookingAudit(deps.db, {
            booking,
            actor: { kind: "public_page" },
            action: "booking.created",
            requestId: request.id,
          });
        return reply.status(replayed ? 200 : 201).send(presentBooking(booking, attendeeLinks(deps, booking)));
      },
    );
  };
}
