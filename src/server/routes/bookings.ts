import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { recordBookingAudit } from "../../audit/record-audit.ts";
import { type BookingRow, getBooking, listBookings } from "../../store/bookings-repository.ts";
import { listCalendarWrites } from "../../store/calendar-writes-repository.ts";
import { getEventType } from "../../store/event-types-repository.ts";
import type { HostId } from "../../store/ids.ts";
import { auditContextOf, requireTenant } from "../auth.ts";
import { AppError, notFound } from "../errors.ts";
import { errorResponseSchema, idParam, standardErrors } from "../schemas.ts";
import { attendeeLinks, type BookingRouteDeps } from "./booking-context.ts";
import { sendBookingIcs } from "./booking-files.ts";
import { bookingSchema, presentBooking } from "./booking-presenter.ts";

const params = z.object({ bookingId: idParam("booking id") });
const errors = { ...standardErrors, 409: errorResponseSchema, 422: errorResponseSchema };

/** Bookings as the tenant's app sees them: list, read, cancel, reschedule, confirm or reject. */
export function bookingRoutes(deps: BookingRouteDeps): FastifyPluginAsyncZod {
  /** With the write-back state per host calendar (the tenant sees it; the attendee's routes don't). */
  const present = async (rows: BookingRow[]) => {
    const first = rows[0];
    const writes = first
      ? await listCalendarWrites(
          deps.db,
          first.tenantId,
          rows.map((row) => row.id),
        )
      : [];
    return rows.map((row) =>
      presentBooking(
        row,
        attendeeLinks(deps, row),
        writes.filter((write) => write.bookingId === row.id),
      ),
    );
  };
  const presentOne = async (row: BookingRow) => (await present([row]))[0]!;
  return async (app) => {
    app.get(
      "/bookings",
      {
        schema: {
          tags: ["Bookings"],
          summary: "List bookings",
          querystring: z.object({
            from: z.iso.datetime({ offset: true }).optional(),
            to: z.iso.datetime({ offset: true }).optional(),
            status: z.enum(["pending", "confirmed", "cancelled", "rejected"]).optional(),
            hostId: z.guid().optional(),
            eventTypeId: z.guid().optional(),
            limit: z.coerce.number().int().min(1).max(500).default(100),
          }),
          response: { 200: z.object({ data: z.array(bookingSchema) }), ...standardErrors },
        },
      },
      async (request) => {
        const query = request.query;
        const rows = await listBookings(deps.db, requireTenant(request), {
          limit: query.limit,
          ...(query.from ? { from: new Date(query.from) } : {}),
          ...(query.to ? { to: new Date(query.to) } : {}),
          ...(query.status ? { status: query.status } : {}),
          ...(query.hostId ? { hostId: query.hostId as HostId } : {}),
          ...(query.eventTypeId ? { eventTypeId: query.eventTypeId } : {}),
        });
        return { data: await present(rows) };
      },
    );
    app.get(
      "/bookings/:bookingId",
      {
        schema: {
          tags: ["Bookings"],
          summary: "Get a booking",
          params,
          response: { 200: bookingSchema, ...standardErrors },
        },
      },
      async (request) => {
        const booking = await getBooking(deps.db, requireTenant(request), request.params.bookingId);
        if (!booking) throw notFound("booking");
        return presentOne(booking);
      },
    );
    app.get(
      "/bookings/:bookingId/ics",
      { schema: { tags: ["Bookings"], summary: "The booking's .ics file", params } },
      async (request, reply) => {
        const booking = await getBooking(deps.db, requireTenant(request), request.params.bookingId);
        if (!booking) throw notFound("booking");
        return sendBookingIcs(deps, booking, reply);
      },
    );
    app.post(
      "/bookings/:bookingId/cancel",
      {
        schema: {
          tags: ["Bookings"],
          summary: "Cancel a booking",
          params,
          body: z.object({ reason: z.string().trim().min(1, "give a reason").max(1000) }).strict(),
          response: { 200: bookingSchema, ...errors },
        },
      },
      async (request) => {
        const changed = await deps.bookings.changeStatus({
          tenantId: requireTenant(request),
          bookingId: request.params.bookingId,
          to: "cancelled",
          reason: request.body.reason,
        });
        await recordBookingAudit(deps.db, {
          ...auditContextOf(request),
          booking: changed,
          action: "booking.cancelled",
        });
        return presentOne(changed);
      },
    );
    for (const action of ["confirm", "reject"] as const) {
      app.post(
        `/bookings/:bookingId/${action}`,
        {
          schema: {
            tags: ["Bookings"],
            summary: `${action === "confirm" ? "Confirm" : "Reject"} a booking that requires confirmation`,
            params,
            body: z
              .object({ reason: z.string().max(1000).optional() })
              .strict()
              .optional(),
            response: { 200: bookingSchema, ...errors },
          },
        },
        async (request) => {
          const changed = await deps.bookings.changeStatus({
            tenantId: requireTenant(request),
            bookingId: request.params.bookingId,
            to: action === "confirm" ? "confirmed" : "rejected",
            reason: request.body?.reason,
          });
          await recordBookingAudit(deps.db, {
            ...auditContextOf(request),
            booking: changed,
            action: action === "confirm" ? "booking.confirmed" : "booking.rejected",
          });
          return presentOne(changed);
        },
      );
    }
    app.post(
      "/bookings/:bookingId/reschedule",
      {
        schema: {
          tags: ["Bookings"],
          summary: "Move a booking (atomic: the old time is kept if the new one is taken)",
          params,
          body: z.object({ start: z.iso.datetime({ offset: true }) }).strict(),
          response: { 200: bookingSchema, ...errors },
        },
      },
      async (request) => {
        const tenantId = requireTenant(request);
        const booking = await getBooking(deps.db, tenantId, request.params.bookingId);
        if (!booking) throw notFound("booking");
        const eventType = await getEventType(deps.db, tenantId, booking.eventTypeId);
        if (!eventType) throw new AppError("not_found", "event type not found");
        const moved = await deps.bookings.reschedule({
          tenantId,
          bookingId: booking.id,
          eventType,
          start: new Date(request.body.start),
        });
        await recordBookingAudit(deps.db, {
          ...auditContextOf(request),
          booking: moved,
          action: "booking.rescheduled",
        });
        return presentOne(moved);
      },
    );
  };
}
