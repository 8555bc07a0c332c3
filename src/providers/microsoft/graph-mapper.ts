import { loadZoneOffsets, localToInstant } from "../../core/availability/zone-offsets.ts";
import { WINDOWS_ZONE_TO_IANA } from "../../core/ical/windows-zones.ts";
import type {
  BusyStatus,
  EventShowAs,
  SourceBusyInterval,
  SourceEventDetails,
} from "../../core/sync/calendar-source.ts";
import { isManagedWriteKey } from "../../core/sync/managed-write-marker.ts";
import { isKnownTimeZone } from "../../core/time/time-zone.ts";
import { BOOKING_MARKER_PROPERTY } from "./graph-event-writes.ts";
import { type GraphEvent, graphEventSchema } from "./graph-schemas.ts";

/**
 * A Graph event (from calendarView or its delta) as busy time, or as the removal of an occurrence.
 *
 * - `showAs` (2.5): busy blocks, tentative blocks unless the event type says otherwise, oof is out of office;
 *   free and workingElsewhere don't block; unknown blocks (fail closed).
 * - Cancelled events (`isCancelled`, an attendee's copy of a meeting the organizer cancelled) never block, and a
 *   delta that reports one removes it. `@removed` removes.
 * - Private events give their times only: nothing but times and status is read anywhere.
 * - All-day events stay dates: Graph writes them midnight to midnight whatever zone is asked for (Part 6 #1).
 * - Our own writes carry a transactionId `calbridge-<booking id>-...` and the booking id as an extended property
 *   (read when the item was fetched with $expand): the booking blocks already, so the copy is marked with its
 *   booking and availability skips it.
 */
export type GraphItem =
  | { kind: "upsert"; interval: SourceBusyInterval }
  | { kind: "remove"; ref: string }
  | { kind: "invalid"; ref: string | undefined };

const statusByShowAs: Record<string, BusyStatus | null> = {
  busy: "busy",
  tentative: "tentative",
  oof: "out_of_office",
  free: null,
  workingelsewhere: null,
};

const ENVELOPE_MS = 14 * 3_600_000;
const bookingMarker = /^calbridge-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})-/i;

/** Graph's `2017-04-15T11:00:00.0000000` (no offset; the zone is a separate field) as wall-clock milliseconds. */
function wallMs(dateTime: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?/.exec(dateTime);
  if (!match) return null;
  const [, y, mo, d, h, mi, s, fraction] = match;
  const ms = fraction ? Math.floor(Number(`0.${fraction}`) * 1000) : 0;
  return Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? 0), ms);
}

/** The IANA zone for a Graph zone label (IANA, Windows or UTC), or null when unknown. */
export function ianaZoneOf(label: string | undefined): string | null {
  if (!label || label === "UTC" || label === "Etc/UTC" || label === "tzone://Microsoft/Utc") return "UTC";
  if (WINDOWS_ZONE_TO_IANA[label]) return WINDOWS_ZONE_TO_IANA[label] ?? null;
  return isKnownTimeZone(label) ? label : null;
}

/** A Graph dateTimeTimeZone as epoch ms (null: unreadable time or unknown zone). */
export function instantMs(value: { dateTime: string; timeZone?: string | undefined }): number | null {
  const wall = wallMs(value.dateTime);
  const zone = ianaZoneOf(value.timeZone);
  if (wall === null || zone === null) return null;
  if (zone === "UTC") return wall;
  return localToInstant(
    loadZoneOffsets({ timeZone: zone, fromMs: wall - 2 * 86_400_000, toMs: wall + 2 * 86_400_000 }),
    wall,
  );
}

function statusOf(event: GraphEvent): BusyStatus | null {
  const key = (event.showAs ?? "busy").toLowerCase();
  return key in statusByShowAs ? (statusByShowAs[key] ?? null) : "busy";
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const sameId = (a: string, b: string) =>
  a.toLowerCase().replace(/\s+/g, " ") === b.toLowerCase().replace(/\s+/g, " ");

/** Our booking id: the extended property when the read expanded it, else the transactionId we created it with. */
function markedBookingId(event: GraphEvent): string | undefined {
  const property = event.singleValueExtendedProperties?.find((candidate) =>
    sameId(candidate.id, BOOKING_MARKER_PROPERTY),
  )?.value;
  if (property && uuid.test(property)) return property.toLowerCase();
  return event.transactionId ? bookingMarker.exec(event.transactionId)?.[1]?.toLowerCase() : undefined;
}

/** An attendee's counter-proposal (`proposedNewTime`), when it reads as a forward time range. */
type TimeSlot = { start: Parameters<typeof instantMs>[0]; end: Parameters<typeof instantMs>[0] };

function proposedTimeOf(slot: TimeSlot | null | undefined): { start: Date; end: Date } | undefined {
  if (!slot) return undefined;
  const start = instantMs(slot.start);
  const end = instantMs(slot.end);
  return start !== null && end !== null && end > start
    ? { start: new Date(start), end: new Date(end) }
    : undefined;
}

const showAsWords: Record<string, EventShowAs> = {
  busy: "busy",
  tentative: "tentative",
  free: "free",
  oof: "out_of_office",
  workingelsewhere: "working_elsewhere",
};

/**
 * The agenda's view of the event (asked for by the import switch). A private event gives its times only, as
 * everywhere else: its subject, location and meeting link stay unread.
 */
export function graphEventDetails(event: GraphEvent, ours: SourceEventDetails["ours"]): SourceEventDetails {
  const hidden = event.sensitivity?.toLowerCase() === "private";
  const zoneLabel = event.isAllDay ? null : (event.originalStartTimeZone ?? null);
  const organizer = event.organizer?.emailAddress;
  return {
    title: hidden ? null : event.subject || null,
    location: hidden ? null : event.location?.displayName || null,
    timeZone: zoneLabel === null ? null : (ianaZoneOf(zoneLabel) ?? zoneLabel),
    organizer: organizer?.address?.toLowerCase() || organizer?.name || null,
    attendeeCount: (event.attendees ?? []).filter((attendee) => attendee.type !== "resource").length,
    onlineMeetingUrl: hidden ? null : event.onlineMeeting?.joinUrl || event.onlineMeetingUrl || null,
    showAs: showAsWords[(event.showAs ?? "busy").toLowerCase()] ?? "unknown",
    ours,
  };
}

export function mapGraphEvent(raw: unknown, options: { details?: boolean } = {}): GraphItem {
  const parsed = graphEventSchema.safeParse(raw);
  if (!parsed.success) {
    const id = (raw as { id?: unknown } | null)?.id;
    return { kind: "invalid", ref: typeof id === "string" ? id : undefined };
  }
  const event = parsed.data;
  if (event["@removed"] || event.isCancelled) return { kind: "remove", ref: event.id };
  // calendarView never returns series masters; if one slips through, its occurrences carry the time.
  if (event.type === "seriesMaster") return { kind: "remove", ref: event.id };
  const bookingId = markedBookingId(event);
  // Free time is not stored: dropping the row also covers an event changed from busy to free. Our own events stay
  // (bookings' and managed events' copies, as free; a copy never blocks, its booking or managed event does): a removal of one means it was deleted or cancelled, which
  // cancels the booking (two-way sync), and a host who marks it free has not cancelled it.
  const managed = isManagedWriteKey(event.transactionId);
  // With details asked for (import on) free events are kept as free too: the agenda lists them.
  const status = statusOf(event) ?? (bookingId || managed || options.details ? "free" : null);
  if (status === null) return { kind: "remove", ref: event.id };
  if (!event.start || !event.end) return { kind: "invalid", ref: event.id };
  const rooms = (event.attendees ?? []).flatMap((attendee) =>
    attendee.type === "resource" && attendee.emailAddress?.address
      ? [
          {
            email: attendee.emailAddress.address.toLowerCase(),
            response: attendee.status?.response ?? "none",
          },
        ]
      : [],
  );
  const attendees = (event.attendees ?? []).flatMap((attendee) => {
    if (attendee.type === "resource" || !attendee.emailAddress?.address) return [];
    const proposed = proposedTimeOf(attendee.proposedNewTime);
    return [
      {
        email: attendee.emailAddress.address.toLowerCase(),
        response: attendee.status?.response ?? "none",
        ...(proposed ? { proposed } : {}),
      },
    ];
  });
  const common = {
    status,
    ...(rooms.length > 0 ? { rooms } : {}),
    ...(bookingId && attendees.length > 0 ? { attendees } : {}),
    sourceRef: event.id,
    ...(event.seriesMasterId ? { seriesRef: event.seriesMasterId } : {}),
    ...(event.seriesMasterId && event.originalStart && !Number.isNaN(Date.parse(event.originalStart))
      ? { originalStart: new Date(event.originalStart) }
      : {}),
    ...(event.changeKey ? { etag: event.changeKey } : {}),
    ...(bookingId ? { bookingId } : {}),
    ...(options.details
      ? { details: graphEventDetails(event, bookingId ? "booking" : managed ? "managed_event" : null) }
      : {}),
  };
  if (event.isAllDay) {
    const startDate = event.start.dateTime.slice(0, 10);
    const endDate = event.end.dateTime.slice(0, 10);
    const startWall = wallMs(`${startDate}T00:00:00`);
    const endWall = wallMs(`${endDate}T00:00:00`);
    if (startWall === null || endWall === null || endWall <= startWall)
      return { kind: "invalid", ref: event.id };
    return {
      kind: "upsert",
      interval: {
        ...common,
        start: new Date(startWall - ENVELOPE_MS),
        end: new Date(endWall + ENVELOPE_MS),
        allDay: { startDate, endDate },
      },
    };
  }
  const start = instantMs(event.start);
  const end = instantMs(event.end);
  if (start === null || end === null || end < start) return { kind: "invalid", ref: event.id };
  return { kind: "upsert", interval: { ...common, start: new Date(start), end: new Date(end) } };
}
