import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { verifyBookingLink } from "../../scheduling/booking-links.ts";
import { type BookingRow, getBooking } from "../../store/bookings-repository.ts";
import { getEventType } from "../../store/event-types-repository.ts";
import type { TenantId } from "../../store/ids.ts";
import { AppError } from "../errors.ts";
import { errorResponseSchema } from "../schemas.ts";
import { attendeeLinks, type BookingRouteDeps } from "./booking-context.ts";
import { sendBookingIcs } from "./booking-files.ts";
import { bookingSchema, presentBooking } from "./booking-presenter.ts";

const tokenParams = z.object({ token: z.string().min(10).max(1000) });
const errors = {
  400: errorResponseSchema,
  401: errorResponseSchema,
  404: errorResponseSchema,
  409: errorResponseSchema,
};

/** Attendees manage their booking through signed, expiring links: no account, no API key. */
export function manageBookingRoutes(deps: BookingRouteDeps): FastifyPluginAsyncZod {
  async function fromToken(token: string): Promise<BookingRow> {
    const verified = verifyBookingLink(
      deps.keyRing.deriveKeys("booking-links"),
      token,
      Math.floor(deps.now().getTime() / 1000),
    );
    if (!verified.ok) {
      throw new AppError(
        "unauthorized",
        verified.reason === "expired" ? "This link has expired." : "This link is not valid.",
      );
    }
    const booking = await getBooking(
      deps.db,
      verified.claims.tenantId as TenantId,
      verified.claims.bookingId,
    );
    if (!booking) throw new AppError("not_found", "booking not found");
    return booking;
  }

  return async (app) => {
    app.get(
      "/v1/public/bookings/:token",
      {
        schema: {
          tags: ["Public booking"],
          summary: "A booking, for its attendee",
          params: tokenParams,
          response: { 200: bookingSchema, ...errors },
        },
      },
      async (request) => {
        const booking = await fromToken(request.params.token);
        return presentBooking(booking, attendeeLinks(deps, booking));
      },
    );
    app.get(
      "/v1/public/bookings/:token/ics",
      { schema: { tags: ["Public booking"], summary: "The booking's .ics file", params: tokenParams } },
      async (request, reply) => sendBookingIcs(deps, await fromToken(request.params.token), reply),
    );
    app.post(
      "/v1/public/bookings/:token/cancel",
      {
        schema: {
          tags: ["Public booking"],
          summary: "Cancel the booking",
          params: tokenParams,
          body: z.object({ reason: z.string().trim().min(1, "please give a reason").max(1000) }).strict(),
          response: { 200: bookingSchema, ...errors },
        },
      },
      async (request) => {
        const booking = await fromToken(request.params.token);
        const changed = await deps.bookings.changeStatus({
          tenantId: booking.tenantId,
          bookingId: booking.id,
          to: "cancelled",
          reason: request.body.reason,
        });
        return presentBooking(changed, attendeeLinks(deps, changed));
      },
    );
    app.post(
      "/v1/public/bookings/:token/reschedule",
      {
        schema: {
          tags: ["Public booking"],
          summary:
            "Move the booking to another free start (atomic: the old time is kept if the new one is taken)",
          params: tokenParams,
          body: z.object({ start: z.iso.datetime({ offset: true }) }).strict(),
          response: { 200: bookingSchema, ...errors, 422: errorResponseSchema },
        },
      },
      async (request) => {
        const booking = await fromToken(request.params.token);
        const eventType = await getEventType(deps.db, booking.tenantId, booking.eventTypeId);
        if (!eventType) throw new AppError("not_found", "event type not found");
        const moved = await deps.bookings.reschedule({
          tenantId: booking.tenantId,
          bookingId: booking.id,
          eventType,
          start: new Date(request.body.start),
        });
        return presentBooking(moved, attendeeLinks(deps, moved));
      },
    );
  };
}
