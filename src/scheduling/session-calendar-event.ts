import type { NewCalendarEvent } from "../core/sync/calendar-source.ts";
import { escapeHtml } from "../notify/mail/escape-html.ts";
import type { BookingRow } from "../store/bookings-repository.ts";
import { bookingCalendarEvent, writeIdempotencyKey } from "./booking-calendar-event.ts";

/**
 * What a group session looks like in a host's calendar: ONE event per session and connection, with every live seat
 * as an attendee (the host sees them all; whether attendees see each other is a matter for mails and pages). Time,
 * location, meeting and room come from the session's first live seat (all seats share them); the per-attendee parts
 * of a single booking (answers, manage link) are left out. Keyed by the session, so a retried create, whichever seat
 * makes it, finds the one event (Graph transactionId, Google event id, CalDAV resource name).
 */
export function sessionCalendarEvent(params: {
  sessionId: string;
  /** The first live seat: time, location, room. */
  seat: BookingRow;
  /** Every live seat, oldest first. */
  attendees: Array<{ attendeeName: string; attendeeEmail: string }>;
  title: string;
  description: string | null;
  hostTimeZone: string;
  connectionId: string;
  inviteAttendee: boolean;
}): NewCalendarEvent {
  const base = bookingCalendarEvent({
    booking: { ...params.seat, answers: {} },
    title: params.title,
    description: params.description,
    hostTimeZone: params.hostTimeZone,
    connectionId: params.connectionId,
    manageUrl: "",
    inviteAttendee: false,
  });
  const names = params.attendees.map((seat) => `${seat.attendeeName} <${seat.attendeeEmail}>`);
  const count = `${names.length} attendee${names.length === 1 ? "" : "s"}`;
  return {
    ...base,
    idempotencyKey: writeIdempotencyKey(params.sessionId, params.connectionId),
    summary: `${params.title} (${count})`.slice(0, 255),
    description: [
      ...(params.description ? [params.description, ""] : []),
      `Group session, ${count}:`,
      ...names,
    ].join("\n"),
    descriptionHtml: [
      "<html><body>",
      params.description ? `<p style="white-space:pre-wrap">${escapeHtml(params.description)}</p>` : "",
      `<p>Group session, ${escapeHtml(count)}:</p><ul>`,
      ...names.map((name) => `<li>${escapeHtml(name)}</li>`),
      "</ul></body></html>",
    ].join(""),
    attendees: params.inviteAttendee
      ? params.attendees.map((seat) => ({ name: seat.attendeeName, email: seat.attendeeEmail }))
      : [],
  };
}
