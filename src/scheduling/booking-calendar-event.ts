import { createHash } from "node:crypto";
import type { NewCalendarEvent } from "../core/sync/calendar-source.ts";
import { escapeHtml, isSafeHref } from "../notify/mail/escape-html.ts";
import type { BookingRow } from "../store/bookings-repository.ts";

/**
 * What a booking looks like in a host's calendar, for every provider: subject "<event type> with <attendee>", a
 * short HTML body (everything attendee-supplied is escaped) with the manage link, the attendee as an invitee when
 * the provider is to invite them, the location, and a Teams meeting when the event type's location asks for one.
 */
export function bookingCalendarEvent(params: {
  booking: BookingRow;
  title: string;
  description: string | null;
  hostTimeZone: string;
  connectionId: string;
  manageUrl: string;
  inviteAttendee: boolean;
}): NewCalendarEvent {
  const { booking } = params;
  const location = booking.location;
  const place =
    location && (location.kind === "address" || location.kind === "phone" || location.kind === "link")
      ? location.value
      : location?.kind === "meet" && location.value
        ? location.value
        : undefined;
  const rows: Array<[string, string]> = [
    ["Attendee", `${booking.attendeeName} <${booking.attendeeEmail}>`],
    ...(place ? [["Location", place] as [string, string]] : []),
    ...Object.entries(booking.answers)
      .filter(([, value]) => value !== null && value !== undefined && value !== "")
      .slice(0, 20)
      .map(([key, value]) => [key, String(value).slice(0, 500)] as [string, string]),
  ];
  const manage = isSafeHref(params.manageUrl)
    ? `<p><a href="${escapeHtml(params.manageUrl)}">Reschedule or cancel</a></p>`
    : "";
  const html = [
    "<html><body>",
    params.description ? `<p style="white-space:pre-wrap">${escapeHtml(params.description)}</p>` : "",
    "<table>",
    ...rows.map(
      ([label, value]) =>
        `<tr><th align="left" style="padding-right:12px">${escapeHtml(label)}</th><td>${escapeHtml(value)}</td></tr>`,
    ),
    "</table>",
    manage,
    "</body></html>",
  ].join("");
  const text = [
    ...(params.description ? [params.description, ""] : []),
    ...rows.map(([label, value]) => `${label}: ${value}`),
    "",
    `Reschedule or cancel: ${params.manageUrl}`,
  ].join("\n");
  return {
    idempotencyKey: writeIdempotencyKey(booking.id, params.connectionId),
    bookingId: booking.id,
    start: booking.startAt,
    end: booking.endAt,
    timeZone: params.hostTimeZone,
    summary: `${params.title} with ${booking.attendeeName}`.slice(0, 255),
    description: text,
    descriptionHtml: html,
    ...(place ? { location: place } : {}),
    attendees: params.inviteAttendee ? [{ name: booking.attendeeName, email: booking.attendeeEmail }] : [],
    ...(location?.kind === "teams" ? { onlineMeeting: "teams" as const } : {}),
    ...(location?.kind === "meet" ? { onlineMeeting: "meet" as const } : {}),
    // A room that declined is not asked again by every later update.
    ...(booking.room && booking.room.response !== "declined"
      ? { room: { email: booking.room.email, ...(booking.room.name ? { name: booking.room.name } : {}) } }
      : {}),
  };
}

/**
 * `calbridge-<booking id>-<8 hex of the connection>`: the idempotency key of the create (Graph transactionId) and
 * our marker (graph-mapper reads the booking id back). Per connection, so two hosts' calendars in one mailbox
 * (delegates) don't collapse into one event.
 */
export function writeIdempotencyKey(bookingId: string, connectionId: string): string {
  const short = createHash("sha256").update(connectionId).digest("hex").slice(0, 8);
  return `calbridge-${bookingId}-${short}`;
}

/**
 * The booking facts a write carries, hashed: the same hash means the calendar already shows this state and nothing
 * is written (our own echo, or a move the host made in the calendar). A provider-made meeting link is not part of
 * it: it comes back from the provider, it is not something we change.
 */
export function bookingWriteHash(
  booking: Pick<BookingRow, "startAt" | "endAt" | "attendeeName" | "attendeeEmail" | "location" | "status">,
): string {
  const location = booking.location;
  const place = location
    ? `${location.kind}:${location.kind === "teams" || location.kind === "meet" ? "" : location.value}`
    : "";
  const cancelled = booking.status === "cancelled" || booking.status === "rejected";
  return createHash("sha256")
    .update(
      [
        cancelled ? "cancel" : "live",
        booking.startAt.toISOString(),
        booking.endAt.toISOString(),
        booking.attendeeName,
        booking.attendeeEmail,
        place,
      ].join("\u0000"),
    )
    .digest("base64url")
    .slice(0, 32);
}
