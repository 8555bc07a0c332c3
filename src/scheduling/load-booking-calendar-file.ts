import type { BookingRow } from "../store/bookings-repository.ts";
import type { Database } from "../store/database.ts";
import { getEventType } from "../store/event-types-repository.ts";
import { getHost, type HostRow } from "../store/hosts-repository.ts";
import type { TenantId } from "../store/ids.ts";
import { bookingCalendarFile } from "./booking-calendar-file.ts";

/** A booking's event type (its title, "Booking" if it is gone) and its hosts that still exist. */
export async function loadBookingParties(params: { db: Database; booking: BookingRow }) {
  const { db, booking } = params;
  const tenantId = booking.tenantId as TenantId;
  const eventType = await getEventType(db, tenantId, booking.eventTypeId);
  const hosts = (await Promise.all(booking.hostIds.map((id) => getHost(db, tenantId, id)))).filter(
    (host): host is HostRow => host !== undefined,
  );
  return { eventType, hosts, title: eventType?.title ?? "Booking" };
}

/** Loads what a booking's .ics needs (event type, hosts) and renders it; shared by downloads and mail. */
export async function loadBookingCalendarFile(params: {
  db: Database;
  booking: BookingRow;
  now: Date;
  organizerFallback: { name?: string; email: string };
  manageUrl: string;
}) {
  const { booking } = params;
  const { eventType, hosts, title } = await loadBookingParties(params);
  const file = bookingCalendarFile({
    booking,
    eventType: { title, description: eventType?.description ?? null },
    hosts,
    now: params.now,
    organizerFallback: params.organizerFallback,
    manageUrl: params.manageUrl,
  });
  return { file, eventType, hosts, title };
}
