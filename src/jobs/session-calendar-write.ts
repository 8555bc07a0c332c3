import type { CalendarSource, SourceError } from "../core/sync/calendar-source.ts";
import { sessionCalendarEvent } from "../scheduling/session-calendar-event.ts";
import { type BookingRow, getBooking, setBookingMeetingUrl } from "../store/bookings-repository.ts";
import {
  type CalendarWriteRow,
  linkOwnBusyRows,
  listCalendarWrites,
  type updateCalendarWrite,
} from "../store/calendar-writes-repository.ts";
import type { Database } from "../store/database.ts";
import { getEventType } from "../store/event-types-repository.ts";
import { listSessionSeats, shareSessionEvent } from "../store/session-writes-repository.ts";
import { findTenantById } from "../store/tenants-repository.ts";
import { MAX_WRITE_ATTEMPTS } from "./write-source.ts";

type Settle = (
  patch: Omit<Parameters<typeof updateCalendarWrite>[2], "updatedAt">,
) => Promise<{ kind: "settled" }>;

/**
 * A seat's write-back (a booking with a session): the session has ONE event per connection. The first seat's write
 * creates it, later seats update it with the attendees of every confirmed seat, a cancelled seat updates it without
 * its attendee (and its row lets go of the event), the last seat cancelled cancels it. Writes of one session run one
 * at a time (the job's singleton key is the session). An update carries no version: the session's attendee list is
 * ours, so the last write through Calbridge wins.
 */
export async function writeSessionSeat(ctx: {
  db: Database;
  now: () => Date;
  booking: BookingRow & { sessionId: string };
  row: CalendarWriteRow;
  source: Required<Pick<CalendarSource, "createEvent" | "updateEvent" | "cancelEvent">>;
  personal: boolean;
  hostTimeZone: string;
  contentHash: string;
  settle: Settle;
  fail: (error: SourceError) => Promise<{ kind: "settled" | "retry" }>;
}): Promise<unknown> {
  const { db, booking, row, source } = ctx;
  const seats = await listSessionSeats(db, booking.tenantId, booking.sessionId);
  const live = seats.filter((seat) => seat.status === "confirmed");
  const rows = (
    await listCalendarWrites(
      db,
      booking.tenantId,
      seats.map((seat) => seat.id),
    )
  ).filter((candidate) => candidate.connectionId === row.connectionId);
  // The session's event: held by the rows of live seats (and by this row, even when it cancels).
  const holder = rows
    .filter(
      (candidate) =>
        candidate.providerEventRef &&
        (candidate.operation !== "cancel" || candidate.bookingId === row.bookingId),
    )
    .sort((a, b) => b.updatedAt.getTime() - a.updatedAt.getTime())[0];
  const eventRef = holder?.providerEventRef ?? null;

  if (live.length === 0) {
    if (!eventRef) return ctx.settle({ contentHash: ctx.contentHash });
    const cancelled = await source.cancelEvent({
      calendarRef: row.calendarRef,
      eventRef,
      ...(booking.cancelReason ? { reason: booking.cancelReason } : {}),
      notify: row.invitesAttendee,
    });
    if (!cancelled.ok) return ctx.fail(cancelled.error);
    return ctx.settle({ providerEventRef: eventRef, contentHash: ctx.contentHash });
  }

  const first = live[0]!.id === booking.id ? booking : await getBooking(db, booking.tenantId, live[0]!.id);
  if (!first) return ctx.settle({ contentHash: ctx.contentHash });
  const tenant = await findTenantById(db, booking.tenantId);
  const eventType = await getEventType(db, booking.tenantId, booking.eventTypeId);
  const wantsTeams = first.location?.kind === "teams";
  const event = sessionCalendarEvent({
    sessionId: booking.sessionId,
    seat: wantsTeams && ctx.personal ? { ...first, location: null } : first,
    attendees: live,
    title: eventType?.title ?? "Booking",
    description: eventType?.description ?? null,
    hostTimeZone: ctx.hostTimeZone,
    connectionId: row.connectionId,
    inviteAttendee: (tenant?.attendeeInvitations ?? "provider") === "provider",
  });
  const result = eventRef
    ? await source.updateEvent({ calendarRef: row.calendarRef, eventRef, event })
    : await source.createEvent({ calendarRef: row.calendarRef, event });
  if (!result.ok) return ctx.fail(result.error);
  const written = result.value;
  const meetingKind = wantsTeams ? "teams" : first.location?.kind === "meet" ? "meet" : undefined;
  if (meetingKind && written.joinUrl) {
    for (const seat of live) {
      const current = seat.id === booking.id ? booking : await getBooking(db, booking.tenantId, seat.id);
      if (current && current.location?.value !== written.joinUrl)
        await setBookingMeetingUrl(db, {
          tenantId: booking.tenantId,
          id: seat.id,
          kind: meetingKind,
          url: written.joinUrl,
        });
    }
  }
  await linkOwnBusyRows(db, {
    connectionId: row.connectionId,
    eventRef: written.eventRef,
    bookingId: first.id,
  });
  await shareSessionEvent(db, {
    connectionId: row.connectionId,
    bookingIds: live.map((seat) => seat.id),
    providerEventRef: written.eventRef,
    changeKey: written.version ?? null,
    updatedAt: ctx.now(),
  });
  // Google answered the Meet as `pending`: the event is kept (shared above), and the job's retry (with the engine's
  // backoff) updates it, whose answer carries the link once Google made it. After the last try the seat settles with
  // a warning: the session's event is there.
  const meetPending = meetingKind === "meet" && written.meetingPending === true && !written.joinUrl;
  if (meetPending && row.attempts + 1 < MAX_WRITE_ATTEMPTS)
    return ctx.fail({ kind: "unavailable", message: "the calendar is still making the Meet meeting" });
  // A cancelled seat's row lets go of the event, which lives on for the other seats.
  if (row.operation === "cancel") return ctx.settle({ providerEventRef: null, contentHash: ctx.contentHash });
  return ctx.settle({
    providerEventRef: written.eventRef,
    changeKey: written.version ?? null,
    contentHash: ctx.contentHash,
    invitesAttendee: event.attendees.length > 0,
    warning:
      wantsTeams && ctx.personal
        ? "Microsoft Teams meetings cannot be created on a personal Microsoft account: the event has no Teams link"
        : meetPending
          ? "the calendar had not finished making the Meet meeting: the event has no Meet link yet"
          : null,
  });
}
