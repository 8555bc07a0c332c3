import { z } from "zod";
import {
  presentBookingRoom,
  presentCalendarWrites,
  presentProposedTime,
} from "../../scheduling/booking-webhook-data.ts";
import type { BookingRow } from "../../store/bookings-repository.ts";
import type { CalendarWriteRow } from "../../store/calendar-writes-repository.ts";

const calendarSyncSchema = z
  .object({
    connectionId: z.string(),
    hostId: z.string(),
    operation: z.enum(["create", "update", "cancel"]),
    state: z.enum(["pending", "written", "failed"]),
    error: z.string().nullable().meta({ description: "Why the write failed (state failed)" }),
    warning: z.string().nullable().meta({
      description:
        "Something the host should know that did not fail the write (e.g. no Teams on a personal account)",
    }),
  })
  .meta({ id: "BookingCalendarSync" });

export const bookingSchema = z
  .object({
    id: z.string(),
    eventTypeId: z.string(),
    status: z.enum(["pending", "confirmed", "cancelled", "rejected"]),
    start: z.string(),
    end: z.string(),
    timeZone: z.string().meta({ description: "The invitee's time zone" }),
    hostIds: z.array(z.string()),
    attendee: z.object({ name: z.string(), email: z.string() }),
    answers: z.record(z.string(), z.unknown()),
    location: z.unknown().nullable(),
    icalUid: z.string(),
    sequence: z.number(),
    cancelReason: z.string().nullable(),
    room: z
      .object({
        email: z.string(),
        name: z.string().nullable(),
        status: z.enum(["pending", "accepted", "tentativelyAccepted", "declined"]),
      })
      .nullable()
      .optional()
      .meta({
        id: "BookingRoom",
        description:
          "The room the booking reserved (event types with rooms) and its answer; declined: the room refused, the booking is flagged and `booking.room_declined` sent",
      }),
    sessionId: z.string().optional().meta({
      description: "Event types with seats: the session this seat belongs to (shared by its attendees)",
    }),
    sessionAttendees: z
      .array(z.object({ name: z.string() }))
      .optional()
      .meta({
        description:
          "For the attendee of a seat, when the event type shows attendees to each other (`seatsShowAttendees`): who else has a seat (names only)",
      }),
    attendeeResponse: z.enum(["accepted", "tentativelyAccepted", "declined"]).optional().meta({
      description:
        "The attendee's answer to the calendar invitation, once a sync has seen one (RSVP tracking)",
    }),
    attendeeProposedTime: z.object({ start: z.string(), end: z.string() }).optional().meta({
      description:
        "The new time the attendee proposed with their answer (Outlook's proposedNewTime), kept apart from the answer: the booking keeps its time until it is rescheduled",
    }),
    createdAt: z.string(),
    updatedAt: z.string(),
    links: z
      .object({ manage: z.string(), cancel: z.string(), reschedule: z.string(), ics: z.string() })
      .optional()
      .meta({ description: "Signed, expiring links for the attendee (no account needed)" }),
    calendarSync: z.array(calendarSyncSchema).optional().meta({
      description:
        "Write-back into each host calendar that receives events: the last change asked for and its state",
    }),
    warnings: z.array(z.string()).optional(),
  })
  .meta({ id: "Booking" });

export type BookingView = z.infer<typeof bookingSchema>;

export function presentBooking(
  row: BookingRow,
  links?: BookingView["links"],
  writes?: CalendarWriteRow[],
): BookingView {
  const warnings = (writes ?? []).flatMap((write) => (write.warning ? [write.warning] : []));
  return {
    id: row.id,
    eventTypeId: row.eventTypeId,
    status: row.status,
    start: row.startAt.toISOString(),
    end: row.endAt.toISOString(),
    timeZone: row.inviteeTimeZone,
    hostIds: row.hostIds,
    attendee: { name: row.attendeeName, email: row.attendeeEmail },
    answers: row.answers,
    location: row.location,
    icalUid: row.icalUid,
    sequence: row.sequence,
    cancelReason: row.cancelReason,
    room: presentBookingRoom(row),
    ...(row.sessionId ? { sessionId: row.sessionId } : {}),
    ...(row.attendeeResponse
      ? { attendeeResponse: row.attendeeResponse as "accepted" | "tentativelyAccepted" | "declined" }
      : {}),
    ...(presentProposedTime(row) ? { attendeeProposedTime: presentProposedTime(row) } : {}),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    ...(links ? { links } : {}),
    ...(writes ? { calendarSync: presentCalendarWrites(writes), warnings } : {}),
  };
}
