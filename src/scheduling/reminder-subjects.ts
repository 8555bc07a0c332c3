import { type BookingRow, getBooking } from "../store/bookings-repository.ts";
import type { Database } from "../store/database.ts";
import { getManagedEvent, type ManagedEventRow } from "../store/managed-events-repository.ts";
import type { ReminderRow } from "../store/reminders-repository.ts";

/**
 * The appointment a reminder is for, when a reminder may still go out: it starts after `now`, is not cancelled, and
 * (a booking) still starts when the row says. Asked at the claim and again at the send, since a cancellation can
 * commit between the two.
 */
export async function liveReminderBooking(
  db: Database,
  row: ReminderRow,
  now: Date,
): Promise<BookingRow | null> {
  if (row.subjectKind !== "booking" || row.startAt.getTime() <= now.getTime()) return null;
  const booking = await getBooking(db, row.tenantId, row.subjectId);
  if (booking?.status !== "confirmed" || booking.startAt.getTime() !== row.startAt.getTime()) return null;
  return booking;
}

export async function liveReminderEvent(
  db: Database,
  row: ReminderRow,
  now: Date,
): Promise<ManagedEventRow | null> {
  if (row.subjectKind !== "event" || row.startAt.getTime() <= now.getTime()) return null;
  const event = await getManagedEvent(db, row.tenantId, row.subjectId);
  return event?.status === "active" ? event : null;
}
