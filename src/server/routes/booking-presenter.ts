import { z } from "zod";
import type { BookingRow } from "../../store/bookings-repository.ts";

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
    createdAt: z.string(),
    updatedAt: z.string(),
    links: z
      .object({ manage: z.string(), cancel: z.string(), reschedule: z.string(), ics: z.string() })
      .optional()
      .meta({ description: "Signed, expiring links for the attendee (no account needed)" }),
  })
  .meta({ id: "Booking" });

export type BookingView = z.infer<typeof bookingSchema>;

export function presentBooking(row: BookingRow, links?: BookingView["links"]): BookingView {
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
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    ...(links ? { links } : {}),
  };
}
