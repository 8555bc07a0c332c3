import type { BookingEvent as IcsEvent, IcsMethod } from "../core/calendar-files/booking-event.ts";
import { renderBookingIcs } from "../core/calendar-files/booking-ics.ts";
import { bookingIcsFileName } from "../core/calendar-files/ics-file-name.ts";
import type { BookingRow } from "../store/bookings-repository.ts";
import type { EventTypeRow } from "../store/event-types-repository.ts";
import type { HostRow } from "../store/hosts-repository.ts";

/** The booking as an iTIP .ics (REQUEST while it stands, CANCEL once cancelled or rejected), with its file name. */
export function bookingCalendarFile(params: {
  booking: BookingRow;
  eventType: Pick<EventTypeRow, "title" | "description">;
  hosts: HostRow[];
  now: Date;
  organizerFallback: { name?: string; email: string };
  manageUrl?: string;
}): { method: IcsMethod; content: string; fileName: string; event: IcsEvent } {
  const { booking, hosts } = params;
  const released = booking.status === "cancelled" || booking.status === "rejected";
  const method: IcsMethod = released ? "CANCEL" : "REQUEST";
  const organizerHost = hosts.find((host) => host.email) ?? hosts[0];
  const timeZone = organizerHost?.timeZone ?? booking.inviteeTimeZone;
  const location = booking.location;
  const description = [
    params.eventType.description ?? undefined,
    params.manageUrl ? `Reschedule or cancel: ${params.manageUrl}` : undefined,
  ]
    .filter(Boolean)
    .join("\n\n");
  const event: IcsEvent = {
    uid: booking.icalUid,
    sequence: booking.sequence,
    dtstamp: params.now.toISOString(),
    start: booking.startAt.toISOString(),
    end: booking.endAt.toISOString(),
    timeZone,
    summary: `${params.eventType.title}: ${booking.attendeeName}`,
    ...(description ? { description } : {}),
    ...(location?.value ? { location: { kind: location.kind, value: location.value } } : {}),
    organizer: organizerHost?.email
      ? { name: organizerHost.name, email: organizerHost.email }
      : params.organizerFallback,
    attendees: [
      {
        name: booking.attendeeName,
        email: booking.attendeeEmail,
        role: "REQ-PARTICIPANT",
        partstat: "NEEDS-ACTION",
      },
      ...hosts
        .filter((host) => host.email && host !== organizerHost)
        .map((host) => ({
          name: host.name,
          email: host.email!,
          role: "REQ-PARTICIPANT" as const,
          partstat: "ACCEPTED" as const,
        })),
    ],
    status: released ? "CANCELLED" : booking.status === "pending" ? "TENTATIVE" : "CONFIRMED",
    ...(booking.cancelReason ? { cancelReason: booking.cancelReason } : {}),
  };
  const content = renderBookingIcs({ ...event, method });
  const fileName = bookingIcsFileName({
    method,
    sequence: booking.sequence,
    start: event.start,
    timeZone,
    summary: params.eventType.title,
  });
  return { method, content, fileName, event };
}
