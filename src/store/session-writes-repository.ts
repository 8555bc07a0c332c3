import { and, asc, eq, inArray, ne } from "drizzle-orm";
import type { Database } from "./database.ts";
import type { TenantId } from "./ids.ts";
import { bookingCalendarEvents, bookings } from "./schema.ts";

/** A seat of a group session, as the session's one calendar event lists it. */
export interface SessionSeat {
  id: string;
  attendeeName: string;
  attendeeEmail: string;
  status: string;
}

/** Every seat ever booked in a session (cancelled ones too), oldest first. */
export async function listSessionSeats(
  db: Database,
  tenantId: TenantId,
  sessionId: string,
): Promise<SessionSeat[]> {
  return db
    .select({
      id: bookings.id,
      attendeeName: bookings.attendeeName,
      attendeeEmail: bookings.attendeeEmail,
      status: bookings.status,
    })
    .from(bookings)
    .where(and(eq(bookings.tenantId, tenantId), eq(bookings.sessionId, sessionId)))
    .orderBy(asc(bookings.createdAt), asc(bookings.id));
}

/**
 * Points the write-back rows of a session's live seats in one connection at the session's event (and its version),
 * so whichever seat's row the two-way sync finds for the event knows our last write (its echo is recognised).
 */
export async function shareSessionEvent(
  db: Database,
  params: {
    connectionId: string;
    bookingIds: string[];
    providerEventRef: string;
    changeKey: string | null;
    updatedAt: Date;
  },
): Promise<void> {
  if (params.bookingIds.length === 0) return;
  await db
    .update(bookingCalendarEvents)
    .set({
      providerEventRef: params.providerEventRef,
      changeKey: params.changeKey,
      updatedAt: params.updatedAt,
    })
    .where(
      and(
        eq(bookingCalendarEvents.connectionId, params.connectionId),
        inArray(bookingCalendarEvents.bookingId, params.bookingIds),
        ne(bookingCalendarEvents.operation, "cancel"),
      ),
    );
}
