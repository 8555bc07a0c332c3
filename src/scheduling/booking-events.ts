import type { BookingRow } from "../store/bookings-repository.ts";
import type { Database } from "../store/database.ts";

export type BookingEventType =
  | "booking.created"
  | "booking.rescheduled"
  | "booking.cancelled"
  | "booking.confirmed";

export interface BookingEvent {
  type: BookingEventType;
  booking: BookingRow;
  previous?: { startAt: Date; endAt: Date };
  /** Who made the change, when it was not the API: the host, by moving or deleting the event in their calendar. */
  by?: "host_calendar";
  /**
   * The host calendar the change came from (two-way sync): that calendar already shows it, so nothing is written
   * back to it; `version` is the provider's version of the event as the sync saw it.
   */
  fromCalendar?: { connectionId: string; version: string | null };
}

/**
 * Side effects of a booking change (webhooks, mail). `record` runs inside the booking's transaction (outbox rows
 * commit with the booking, so nothing is lost on a crash) and returns what to do once it has committed.
 */
export interface BookingEventSink {
  record(tx: Database, event: BookingEvent): Promise<() => Promise<void>>;
}

export const noBookingEffects: BookingEventSink = {
  async record() {
    return async () => {};
  },
};
