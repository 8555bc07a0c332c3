import type { BookingRow } from "../store/bookings-repository.ts";
import type { CalendarWriteRow } from "../store/calendar-writes-repository.ts";

/** The write-back state per host calendar, as the API and the webhooks show it. */
export function presentCalendarWrites(rows: CalendarWriteRow[]) {
  return rows.map((row) => ({
    connectionId: row.connectionId,
    hostId: row.hostId,
    operation: row.operation,
    state: row.state,
    error: row.state === "failed" ? row.lastError : null,
    warning: row.warning,
  }));
}

/** The room a booking reserved and the room's answer (declined: the booking is flagged, the tenant told). */
const ROOM_ANSWERS = ["accepted", "tentativelyAccepted", "declined"] as const;
type RoomStatus = (typeof ROOM_ANSWERS)[number] | "pending";

export function presentBookingRoom(
  booking: BookingRow,
): { email: string; name: string | null; status: RoomStatus } | null {
  if (!booking.room) return null;
  const answer = ROOM_ANSWERS.find((candidate) => candidate === booking.room?.response);
  const status: RoomStatus = answer ?? "pending";
  return { email: booking.room.email, name: booking.room.name, status };
}

/** The new time the attendee proposed with their answer (Outlook), when one stands. */
export function presentProposedTime(booking: BookingRow): { start: string; end: string } | undefined {
  if (!booking.attendeeProposedStart || !booking.attendeeProposedEnd) return undefined;
  return {
    start: booking.attendeeProposedStart.toISOString(),
    end: booking.attendeeProposedEnd.toISOString(),
  };
}

/** The booking as webhook payloads carry it (booking.* events and booking.calendar_sync_failed). */
export function bookingWebhookBody(booking: BookingRow, writes: CalendarWriteRow[]) {
  return {
    id: booking.id,
    eventTypeId: booking.eventTypeId,
    status: booking.status,
    start: booking.startAt.toISOString(),
    end: booking.endAt.toISOString(),
    timeZone: booking.inviteeTimeZone,
    hostIds: booking.hostIds,
    attendee: { name: booking.attendeeName, email: booking.attendeeEmail },
    answers: booking.answers,
    location: booking.location,
    icalUid: booking.icalUid,
    sequence: booking.sequence,
    cancelReason: booking.cancelReason,
    calendarSync: presentCalendarWrites(writes),
    room: presentBookingRoom(booking),
    ...(presentProposedTime(booking) ? { attendeeProposedTime: presentProposedTime(booking) } : {}),
  };
}
