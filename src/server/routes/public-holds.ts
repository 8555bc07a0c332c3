import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import {
  createSlotHoldService,
  HoldRefusedError,
  type SlotHoldService,
} from "../../scheduling/slot-holds.ts";
import type { EventTypeRow } from "../../store/event-types-repository.ts";
import { errorBody } from "../error-handler.ts";
import { AppError } from "../errors.ts";
import { errorResponseSchema } from "../schemas.ts";
import type { BookingRouteDeps } from "./booking-context.ts";

type PathParams = { tenantSlug: string; eventTypeSlug: string };

/** The hold service of the booking routes: the one given, or one over the same store and clock. */
export function holdServiceOf(deps: BookingRouteDeps): SlotHoldService {
  return (
    deps.holds ??
    createSlotHoldService({
      db: deps.db,
      now: deps.now,
      settings: deps.holdSettings,
      freshness: deps.freshness,
      onAvailabilityChanged: (change) => deps.slotsCache?.invalidate(change),
    })
  );
}

/**
 * `POST /v1/public/{tenant}/{eventType}/holds` and `DELETE .../holds/{token}`: the booking page holds the chosen
 * slot while the visitor fills the form (src/scheduling/slot-holds.ts), and books with the hold's token.
 */
export function registerHoldRoutes(
  app: FastifyInstance,
  params: {
    deps: BookingRouteDeps;
    holds: SlotHoldService;
    rateLimit: false | { max: number; timeWindow: number };
    pathParams: z.ZodType<PathParams>;
    instant: z.ZodType<string>;
    loadEventType: (path: PathParams) => Promise<EventTypeRow>;
    pickDuration: (eventType: EventTypeRow, requested: number | undefined) => number;
  },
): void {
  const typed = app.withTypeProvider<ZodTypeProvider>();
  const { holds } = params;
  typed.post(
    "/v1/public/:tenantSlug/:eventTypeSlug/holds",
    {
      config: { rateLimit: params.rateLimit },
      bodyLimit: 4 * 1024,
      schema: {
        tags: ["Public booking"],
        summary: `Hold a slot for a few minutes (HOLD_TTL_SECONDS, default 300) while the visitor fills the form: it is not offered to others, and booking with its token consumes it`,
        params: params.pathParams,
        body: z
          .object({
            start: params.instant,
            duration: z
              .number()
              .int()
              .optional()
              .meta({ description: "Minutes; the event type's first duration when absent" }),
          })
          .strict(),
        response: {
          201: z
            .object({ token: z.string(), start: z.string(), end: z.string(), expiresAt: z.string() })
            .meta({ id: "SlotHold" }),
          400: errorResponseSchema,
          404: errorResponseSchema,
          409: errorResponseSchema.meta({
            description: "`slot_unavailable`: the slot is booked, full or held by someone else",
          }),
          429: errorResponseSchema,
        },
      },
    },
    async (request, reply) => {
      const eventType = await params.loadEventType(request.params);
      const durationMinutes = params.pickDuration(eventType, request.body.duration);
      try {
        const held = await holds.hold({
          eventType,
          start: new Date(request.body.start),
          durationMinutes,
          clientKey: request.ip,
        });
        return reply.status(201).send({
          token: held.token,
          start: held.start.toISOString(),
          end: held.end.toISOString(),
          expiresAt: held.expiresAt.toISOString(),
        });
      } catch (error) {
        if (!(error instanceof HoldRefusedError)) throw error;
        if (error.kind === "invalid")
          throw new AppError("validation_failed", error.message, { details: { reasons: error.reasons } });
        // The booking page's contract: a taken or held slot is 409 with the code slot_unavailable.
        return reply
          .status(409)
          .send(errorBody("slot_unavailable", error.message, { reasons: error.reasons }));
      }
    },
  );

  typed.delete(
    "/v1/public/:tenantSlug/:eventTypeSlug/holds/:token",
    {
      config: { rateLimit: params.rateLimit },
      schema: {
        tags: ["Public booking"],
        summary:
          "Release a hold (the visitor chose another time or left); an unknown or expired token is fine too",
        params: z.object({
          tenantSlug: z.string().max(64),
          eventTypeSlug: z.string().max(64),
          token: z.string().max(100),
        }),
        response: { 204: z.null(), 404: errorResponseSchema, 429: errorResponseSchema },
      },
    },
    async (request, reply) => {
      const eventType = await params.loadEventType(request.params);
      await holds.release({ eventType, token: request.params.token });
      return reply.status(204).send(null);
    },
  );
}
