import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { troubleshoot } from "../../scheduling/troubleshooter.ts";
import { getEventType } from "../../store/event-types-repository.ts";
import type { HostId } from "../../store/ids.ts";
import { requireTenant } from "../auth.ts";
import { AppError, notFound } from "../errors.ts";
import { idParam, standardErrors } from "../schemas.ts";
import type { BookingRouteDeps } from "./booking-context.ts";

const reasonSchema = z.object({
  code: z.string().meta({
    description:
      "outside_working_hours, day_off, not_aligned, minimum_notice, horizon, busy, buffer, booking, out_of_office, " +
      "calendar_unavailable (a stale or unsynced calendar), daily_limit, weekly_limit, room_busy, held, full",
  }),
  message: z.string(),
  calendar: z
    .object({ connectionId: z.string(), connection: z.string(), calendar: z.string().nullable() })
    .optional()
    .meta({ description: "For busy time: the calendar it comes from (the event itself is not named)" }),
});

const answerSchema = z
  .object({
    start: z.string(),
    durationMinutes: z.number(),
    offered: z.boolean().meta({ description: "Whether the booking page offers this start" }),
    hosts: z.array(z.object({ hostId: z.string(), available: z.boolean(), reasons: z.array(reasonSchema) })),
  })
  .meta({ id: "Troubleshooting" });

const query = z.object({
  start: z.iso.datetime({ offset: true, message: "start must be an ISO 8601 date-time with a zone" }),
  duration: z.coerce.number().int().optional(),
});

/**
 * The troubleshooter: why a start is (not) offered, for each host of an event type or for one host of it.
 * `GET /v1/event-types/{id}/explain?start=` and `GET /v1/event-types/{id}/hosts/{hostId}/explain?start=`.
 */
export function troubleshooterRoutes(deps: BookingRouteDeps): FastifyPluginAsyncZod {
  return async (app) => {
    const answer = async (params: {
      tenantId: ReturnType<typeof requireTenant>;
      eventTypeId: string;
      hostId?: string;
      start: string;
      duration: number | undefined;
    }) => {
      const eventType = await getEventType(deps.db, params.tenantId, params.eventTypeId);
      if (!eventType) throw notFound("event type");
      if (params.hostId && !eventType.hostIds.includes(params.hostId as HostId))
        throw notFound("host of the event type");
      const durationMinutes = params.duration ?? eventType.durations[0]!;
      if (!eventType.durations.includes(durationMinutes))
        throw new AppError(
          "validation_failed",
          `duration must be one of ${eventType.durations.join(", ")} minutes`,
        );
      return troubleshoot({
        db: deps.db,
        eventType,
        start: new Date(params.start),
        durationMinutes,
        now: deps.now(),
        freshness: deps.freshness,
        ...(params.hostId ? { hostIds: [params.hostId as HostId] } : {}),
      });
    };

    app.get(
      "/event-types/:eventTypeId/explain",
      {
        schema: {
          tags: ["Event types"],
          summary: "Troubleshooter: why a start is or is not offered, for each host, in stable codes",
          params: z.object({ eventTypeId: idParam("event type id") }),
          querystring: query,
          response: { 200: answerSchema, ...standardErrors },
        },
      },
      async (request) =>
        answer({
          tenantId: requireTenant(request),
          eventTypeId: request.params.eventTypeId,
          start: request.query.start,
          duration: request.query.duration,
        }),
    );

    app.get(
      "/event-types/:eventTypeId/hosts/:hostId/explain",
      {
        schema: {
          tags: ["Event types"],
          summary: "Troubleshooter for one host of the event type",
          params: z.object({ eventTypeId: idParam("event type id"), hostId: idParam("host id") }),
          querystring: query,
          response: { 200: answerSchema, ...standardErrors },
        },
      },
      async (request) =>
        answer({
          tenantId: requireTenant(request),
          eventTypeId: request.params.eventTypeId,
          hostId: request.params.hostId,
          start: request.query.start,
          duration: request.query.duration,
        }),
    );
  };
}
