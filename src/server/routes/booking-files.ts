import type { FastifyReply } from "fastify";
import { bookingCalendarFile } from "../../scheduling/booking-calendar-file.ts";
import type { BookingRow } from "../../store/bookings-repository.ts";
import { getEventType } from "../../store/event-types-repository.ts";
import { getHost, type HostRow } from "../../store/hosts-repository.ts";
import type { TenantId } from "../../store/ids.ts";
import { attendeeLinks, type BookingRouteDeps } from "./booking-context.ts";

/** Sends a booking's .ics (REQUEST, or CANCEL after a cancel) as a download with a meaningful file name. */
export async function sendBookingIcs(deps: BookingRouteDeps, booking: BookingRow, reply: FastifyReply) {
  const tenantId = booking.tenantId as TenantId;
  const eventType = await getEventType(deps.db, tenantId, booking.eventTypeId);
  const hosts = (await Promise.all(booking.hostIds.map((id) => getHost(deps.db, tenantId, id)))).filter(
    (host): host is HostRow => host !== undefined,
  );
  const file = bookingCalendarFile({
    booking,
    eventType: { title: eventType?.title ?? "Booking", description: eventType?.description ?? null },
    hosts,
    now: deps.now(),
    organizerFallback: deps.organizerFallback,
    manageUrl: attendeeLinks(deps, booking).manage,
  });
  return reply
    .header("content-type", `text/calendar; charset=utf-8; method=${file.method}`)
    .header("content-disposition", `attachment; filename="${file.fileName}"`)
    .send(file.content);
}
