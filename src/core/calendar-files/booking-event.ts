import type { Temporal } from "temporal-polyfill";
import { icsLine, icsTextLine } from "./ics-lines.ts";
import { formatIcsLocal, formatIcsUtc, parseInstant } from "./ics-values.ts";

export type IcsMethod = "REQUEST" | "CANCEL" | "PUBLISH";
export type BookingLocationKind = "address" | "phone" | "link" | "teams" | "meet";
export type AttendeeRole = "CHAIR" | "REQ-PARTICIPANT" | "OPT-PARTICIPANT" | "NON-PARTICIPANT";
export type AttendeePartstat = "NEEDS-ACTION" | "ACCEPTED" | "DECLINED" | "TENTATIVE";

export interface CalendarPerson {
  name?: string;
  email: string;
}

export interface BookingAttendee extends CalendarPerson {
  role?: AttendeeRole;
  partstat?: AttendeePartstat;
}

/** One booking as a VEVENT. Instants are UTC ISO strings; `timeZone` is the host's IANA zone. */
export interface BookingEvent {
  uid: string;
  sequence: number;
  /** DTSTAMP: when this version of the object was created (the caller's clock, RFC 5545 §3.8.7.2). */
  dtstamp: string;
  start: string;
  end: string;
  timeZone: string;
  summary: string;
  description?: string;
  location?: { kind: BookingLocationKind; value: string };
  meetingUrl?: string;
  organizer: CalendarPerson;
  attendees: BookingAttendee[];
  status: "CONFIRMED" | "TENTATIVE" | "CANCELLED";
  cancelReason?: string;
}

/** The URL of an online meeting: an explicit meetingUrl, or a link-like location. */
export function meetingUrlOf(event: BookingEvent): string | undefined {
  if (event.meetingUrl) return event.meetingUrl;
  const location = event.location;
  return location && location.kind !== "address" && location.kind !== "phone" ? location.value : undefined;
}

/**
 * The VEVENT lines (RFC 5545 §3.6.1, with the iTIP rules of RFC 5546 §3.2 for the method).
 * Throws RangeError for contradictory input (a CANCEL that is not CANCELLED, end before start): caller bugs.
 */
export function renderBookingVEvent(event: BookingEvent, method: IcsMethod): string[] {
  const start = parseInstant(event.start);
  const end = parseInstant(event.end);
  if (end.epochNanoseconds <= start.epochNanoseconds)
    throw new RangeError("event end must be after its start");
  if (method === "CANCEL" && event.status !== "CANCELLED") {
    throw new RangeError("METHOD:CANCEL requires status CANCELLED (RFC 5546 §3.2.5)");
  }
  if (!Number.isInteger(event.sequence) || event.sequence < 0) throw new RangeError("sequence must be >= 0");
  const url = meetingUrlOf(event);
  return [
    "BEGIN:VEVENT",
    icsLine("UID", event.uid),
    icsLine("SEQUENCE", String(event.sequence)),
    icsLine("DTSTAMP", formatIcsUtc(parseInstant(event.dtstamp))),
    dateTimeLine("DTSTART", start, event.timeZone),
    dateTimeLine("DTEND", end, event.timeZone),
    icsTextLine("SUMMARY", event.summary),
    ...optionalText("DESCRIPTION", descriptionOf(event, url)),
    ...optionalText("LOCATION", locationText(event, url)),
    ...(url ? [icsLine("URL", url)] : []),
    ...conferenceLines(event, url),
    icsLine("STATUS", event.status),
    // A cancelled slot no longer blocks time in the receiver's free/busy.
    icsLine("TRANSP", event.status === "CANCELLED" ? "TRANSPARENT" : "OPAQUE"),
    ...optionalText("COMMENT", event.cancelReason),
    personLine("ORGANIZER", event.organizer, {}),
    ...attendeeLines(event, method),
    "END:VEVENT",
  ];
}

/**
 * DTSTART/DTEND in the host's zone with TZID (RFC 5545 §3.3.5 form 3), so receivers show the host's
 * wall-clock time and recompute it with our VTIMEZONE. In the repeated hour after a DST end a local
 * time is ambiguous: RFC 5545 reads it as the first occurrence, but pytz-based readers (python-icalendar)
 * take the second. Such instants are written in UTC (form 2), which every reader gets right.
 */
function dateTimeLine(name: string, instant: Temporal.Instant, timeZone: string): string {
  const local = instant.toZonedDateTimeISO(timeZone);
  const wallClock = local.toPlainDateTime();
  const earlier = wallClock.toZonedDateTime(local.timeZoneId, { disambiguation: "earlier" });
  const later = wallClock.toZonedDateTime(local.timeZoneId, { disambiguation: "later" });
  if (earlier.epochNanoseconds !== later.epochNanoseconds) return icsLine(name, formatIcsUtc(instant));
  return icsLine(name, formatIcsLocal(wallClock), { TZID: local.timeZoneId });
}

function optionalText(name: string, value: string | undefined): string[] {
  return value ? [icsTextLine(name, value)] : [];
}

function descriptionOf(event: BookingEvent, url: string | undefined): string | undefined {
  const parts = [
    event.cancelReason ? `Cancelled: ${event.cancelReason}` : undefined,
    event.description,
    // Many clients hide URL; the link in the description is what people actually click.
    url ? `Join: ${url}` : undefined,
  ].filter((part): part is string => Boolean(part));
  return parts.length ? parts.join("\n\n") : undefined;
}

function locationText(event: BookingEvent, url: string | undefined): string | undefined {
  const location = event.location;
  if (!location) return url;
  if (location.kind === "teams") return `Microsoft Teams Meeting ${location.value}`.trim();
  if (location.kind === "meet") return `Google Meet ${location.value}`.trim();
  return location.value;
}

/** Vendor properties that make Outlook and Google show a "Join" button for their own meetings. */
function conferenceLines(event: BookingEvent, url: string | undefined): string[] {
  if (!url) return [];
  if (event.location?.kind === "teams") return [icsLine("X-MICROSOFT-SKYPETEAMSMEETINGURL", url)];
  if (event.location?.kind === "meet") return [icsLine("X-GOOGLE-CONFERENCE", url)];
  return [];
}

function personLine(
  name: string,
  person: CalendarPerson,
  params: Record<string, string | undefined>,
): string {
  return icsLine(name, `mailto:${person.email}`, { CN: person.name || undefined, ...params });
}

/**
 * RFC 5546 §3.2.1: a PUBLISH carries no ATTENDEE. In a REQUEST, RSVP=TRUE is what makes clients offer
 * accept/decline; a CANCEL expects no reply.
 */
function attendeeLines(event: BookingEvent, method: IcsMethod): string[] {
  if (method === "PUBLISH") return [];
  return event.attendees.map((attendee) => {
    const partstat = attendee.partstat ?? "NEEDS-ACTION";
    return personLine("ATTENDEE", attendee, {
      CUTYPE: "INDIVIDUAL",
      ROLE: attendee.role ?? "REQ-PARTICIPANT",
      PARTSTAT: partstat,
      RSVP: method === "REQUEST" && partstat === "NEEDS-ACTION" ? "TRUE" : "FALSE",
    });
  });
}
