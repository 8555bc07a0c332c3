import type { FastifyReply } from "fastify";
import { loadBookingCalendarFile } from "../../scheduling/load-booking-calendar-file.ts";
import type { BookingRow } from "../../store/bookings-repository.ts";
import { attendeeLinks, type BookingRouteDeps } from "./booking-context.ts";

/** Sends a booking's .ics (REQUEST, or CANCEL after a cancel) as a download with a meaningful file name. */
export async function sendBookingIcs(deps: BookingRouteDeps, booking: BookingRow, reply: FastifyReply) {
  const { file } = await loadBookingCalendarFile({
    db: deps.db,
    booking,
    now: deps.now(),
    organizerFallback: deps.organizerFallback,
    manageUrl: attendeeLinks(deps, booking).manage,
  });
  return reply
    .header("content-type", `text/calendar; charset=utf-8; method=${file.method}`)
    .header("content-disposition", `attachment; filename="${file.fileName}"`)
    .send(file.content);
}
