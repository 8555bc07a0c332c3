import type {
  BusyStatus,
  EventShowAs,
  SourceBusyInterval,
  SourceEventDetails,
} from "../../core/sync/calendar-source.ts";
import { MANAGED_WRITE_PREFIX } from "../../core/sync/managed-write-marker.ts";
import { allDayRangeMs } from "../../core/time/all-day-range.ts";
import { isKnownTimeZone } from "../../core/time/time-zone.ts";
import { type GoogleEvent, googleEventSchema } from "./google-schemas.ts";

/**
 * A Google event (events.list with singleEvents=true, full or incremental) as busy time, or as a removal
 * (provider-protocols 4.2, 4.3):
 * - `cancelled` removes the occurrence; a cancelled item that is not an instance is a deleted event or a whole
 *   series, so its instances go too (seriesRef).
 * - transparent events, events the account declined, and working-location entries don't block; out-of-office
 *   blocks as out of office, focus time as busy; tentative (the event's or the account's answer) as tentative.
 * - all-day events (`date`, end exclusive) are days in the calendar's zone: turned into instants there.
 * - our own writes carry the booking id in a private extended property: the booking blocks already, so the copy is
 *   kept marked (and free when the host made it free): its deletion is what two-way sync acts on. Its attendees'
 *   answers go along (rooms are resource attendees): a room's decline and the invitee's RSVP reach the booking.
 */
export type GoogleItem =
  | { kind: "upsert"; interval: SourceBusyInterval }
  | { kind: "remove"; ref: string; series: boolean }
  | { kind: "invalid"; ref: string | undefined };

/** The private extended property holding our booking id. */
export const BOOKING_PROPERTY = "calbridgeBookingId";

const ENVELOPE_MS = 14 * 3_600_000;
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function bookingIdOf(event: GoogleEvent): string | undefined {
  const value = event.extendedProperties?.private?.[BOOKING_PROPERTY];
  return value && uuid.test(value) ? value.toLowerCase() : undefined;
}

/** A managed event's copy: its id is our write key in Google's id alphabet (googleEventIdOf). */
const managedIdPrefix = MANAGED_WRITE_PREFIX.replace(/[^a-v0-9]/g, "");
const isManagedCopy = (id: string) => id.startsWith(managedIdPrefix);

function statusOf(event: GoogleEvent): BusyStatus | null {
  const self = event.attendees?.find((attendee) => attendee.self === true);
  if (self?.responseStatus === "declined") return null;
  if (event.eventType === "workingLocation") return null;
  if (event.eventType === "outOfOffice") return "out_of_office";
  if (event.transparency === "transparent") return null;
  if (event.status === "tentative" || self?.responseStatus === "tentative") return "tentative";
  return "busy";
}

/**
 * Google's answers in the vocabulary bookings record (Graph's, which the API documents): `tentative` is
 * `tentativelyAccepted`, `needsAction` is no answer yet.
 */
const ANSWERS: Record<string, string> = {
  accepted: "accepted",
  tentative: "tentativelyAccepted",
  declined: "declined",
  needsAction: "none",
};

type Answers = Array<{ email: string; response: string }>;

/** Rooms (resource attendees) and people invited, each with their answer; the account itself is neither. */
function answersOf(event: GoogleEvent): { rooms: Answers; attendees: Answers } {
  const rooms: Answers = [];
  const attendees: Answers = [];
  for (const attendee of event.attendees ?? []) {
    if (!attendee.email || attendee.self === true || attendee.organizer === true) continue;
    const answer = {
      email: attendee.email.toLowerCase(),
      response: ANSWERS[attendee.responseStatus ?? "needsAction"] ?? "none",
    };
    (attendee.resource === true ? rooms : attendees).push(answer);
  }
  return { rooms, attendees };
}

function showAsOf(event: GoogleEvent): EventShowAs {
  if (event.eventType === "outOfOffice") return "out_of_office";
  if (event.eventType === "workingLocation") return "working_elsewhere";
  if (event.transparency === "transparent") return "free";
  const self = event.attendees?.find((attendee) => attendee.self === true);
  if (self?.responseStatus === "declined") return "free";
  if (event.status === "tentative" || self?.responseStatus === "tentative") return "tentative";
  return "busy";
}

/**
 * The agenda's view of the event (asked for by the import switch). A private or confidential event gives its times
 * only: its summary, location and meeting link stay unread.
 */
export function googleEventDetails(event: GoogleEvent, ours: SourceEventDetails["ours"]): SourceEventDetails {
  const hidden = event.visibility === "private" || event.visibility === "confidential";
  const video = event.conferenceData?.entryPoints?.find((entry) => entry.entryPointType === "video")?.uri;
  const allDay = Boolean(event.start?.date);
  return {
    title: hidden ? null : event.summary || null,
    location: hidden ? null : event.location || null,
    timeZone: allDay ? null : event.start?.timeZone || null,
    organizer: event.organizer?.email?.toLowerCase() || event.organizer?.displayName || null,
    attendeeCount: (event.attendees ?? []).filter((attendee) => attendee.resource !== true).length,
    onlineMeetingUrl: hidden ? null : video || event.hangoutLink || null,
    showAs: showAsOf(event),
    ours,
  };
}

export function mapGoogleEvent(
  raw: unknown,
  calendarTimeZone: string | undefined,
  options: { details?: boolean } = {},
): GoogleItem {
  const parsed = googleEventSchema.safeParse(raw);
  if (!parsed.success) {
    const id = (raw as { id?: unknown } | null)?.id;
    return { kind: "invalid", ref: typeof id === "string" ? id : undefined };
  }
  const event = parsed.data;
  if (event.status === "cancelled") return { kind: "remove", ref: event.id, series: !event.recurringEventId };
  const bookingId = bookingIdOf(event);
  const managed = isManagedCopy(event.id);
  // With details asked for (import on) free events are kept as free too: the agenda lists them.
  const status = statusOf(event) ?? (bookingId || managed || options.details ? "free" : null);
  if (status === null) return { kind: "remove", ref: event.id, series: false };
  // The answers matter only on our own events (room declines, RSVP tracking).
  const { rooms, attendees } = bookingId ? answersOf(event) : { rooms: [], attendees: [] };
  const common = {
    status,
    ...(rooms.length > 0 ? { rooms } : {}),
    ...(attendees.length > 0 ? { attendees } : {}),
    sourceRef: event.id,
    ...(event.recurringEventId ? { seriesRef: event.recurringEventId } : {}),
    ...(event.etag ? { etag: event.etag } : {}),
    ...(bookingId ? { bookingId } : {}),
    ...(options.details
      ? { details: googleEventDetails(event, bookingId ? "booking" : managed ? "managed_event" : null) }
      : {}),
  };
  const startDate = event.start?.date;
  const endDate = event.end?.date;
  if (startDate && endDate) {
    const zone = calendarTimeZone && isKnownTimeZone(calendarTimeZone) ? calendarTimeZone : undefined;
    const range = zone ? allDayRangeMs({ startDate, endDate, timeZone: zone }) : null;
    // Our own events keep their dates (two-way sync leaves an all-day booking event alone), as does an event of a
    // calendar whose zone is unknown (it becomes time in the host's zone when availability is read).
    if (range && !bookingId)
      return {
        kind: "upsert",
        interval: { ...common, start: new Date(range.startMs), end: new Date(range.endMs) },
      };
    const envelope = allDayRangeMs({ startDate, endDate, timeZone: "UTC" });
    if (!envelope) return { kind: "invalid", ref: event.id };
    return {
      kind: "upsert",
      interval: {
        ...common,
        start: new Date(envelope.startMs - ENVELOPE_MS),
        end: new Date(envelope.endMs + ENVELOPE_MS),
        allDay: { startDate, endDate },
      },
    };
  }
  const start = Date.parse(event.start?.dateTime ?? "");
  const end = Date.parse(event.end?.dateTime ?? "");
  if (Number.isNaN(start) || Number.isNaN(end) || end < start) return { kind: "invalid", ref: event.id };
  return { kind: "upsert", interval: { ...common, start: new Date(start), end: new Date(end) } };
}
