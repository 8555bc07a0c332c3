import type { ProviderKind, SourceBusyInterval } from "../core/sync/calendar-source.ts";
import { emitCalendarSyncFailed } from "../jobs/calendar-write-jobs.ts";
import type { JobEngine } from "../jobs/job-engine.ts";
import { webhookDeliveryJobs } from "../jobs/webhook-jobs.ts";
import type { Logger } from "../observability/logger.ts";
import type { BookingService } from "../scheduling/booking-service.ts";
import { bookingWebhookBody } from "../scheduling/booking-webhook-data.ts";
import { getBooking, setAttendeeResponse } from "../store/bookings-repository.ts";
import {
  type CalendarWriteRow,
  findUnlinkedWrites,
  findUnseenWrites,
  findWritesByEventRefs,
  linkOwnBusyRows,
  listCalendarWrites,
  updateCalendarWrite,
} from "../store/calendar-writes-repository.ts";
import type { Database } from "../store/database.ts";
import { getEventType } from "../store/event-types-repository.ts";
import { setRoomResponse } from "../store/rooms-repository.ts";
import { sqlExecutorOf } from "../store/sql-executor-of.ts";
import { emitWebhookEvent } from "../store/webhooks-repository.ts";
import { readUnseenEvents } from "./read-unseen-events.ts";
import type { OwnEventsHandler } from "./sync-connection.ts";

/** The host's version of one event we wrote, applied to its booking as a sync would (the write job's 412 path). */
export interface HostVersions {
  applyHostVersion(params: {
    row: CalendarWriteRow;
    provider: ProviderKind;
    event: SourceBusyInterval | null;
  }): Promise<void>;
}

/**
 * Two-way sync: what the host does in their own calendar to an event we wrote reaches the booking. The sync engine
 * hands over every stored page; events found in the write-back mapping (by provider event id) are compared with it:
 * - the version we last wrote (Graph changeKey) is our own echo: nothing happens;
 * - the same times as the booking (the host edited something else, or the echo of a reschedule from our side
 *   arrived before we stored the version): only the version is recorded;
 * - other times: the host moved it, the booking is rescheduled (`by: "host_calendar"`), and the calendar the move
 *   came from is recorded as already showing it, so nothing is written back (no ping-pong); a move onto another
 *   booking is refused by the exclusion constraint: the booking keeps its time, the row is flagged, and the tenant
 *   hears `booking.calendar_sync_failed`;
 * - removed (deleted, or cancelled): the booking is cancelled with a reason that says so;
 * - the booking's room answered (its resource attendee's response): recorded on the booking; a decline frees the
 *   reservation and the tenant hears `booking.room_declined` (once: a replayed page finds the answer recorded).
 * A row with a write of ours still pending is left to that write: the last change made through Calbridge wins.
 * The seats of a group session share one event (one row per seat names it): a move or removal applies to each seat.
 *
 * When a calendar's sync completes, events we wrote that the busy cache does not hold (though their booking lies in
 * the window) are read one by one: a delta never names an event made and deleted between two of its rounds, so the
 * host's deletion would otherwise go unseen. Gone: the booking is cancelled; there: a move is applied as above.
 */
export function createTwoWaySync(deps: {
  db: Database;
  bookings: BookingService;
  jobs: JobEngine;
  logger: Logger;
  now: () => Date;
}): OwnEventsHandler & HostVersions {
  const providerName = { microsoft: "Outlook", google: "Google Calendar", caldav: "CalDAV", ics: "feed" };
  return {
    applyHostVersion: ({ row, provider, event }) => applyHostVersion(row, provider, event),

    async pageApplied({ target, provider, upserts, removedRefs }) {
      const refs = [...upserts.map((interval) => interval.sourceRef), ...removedRefs];
      const rows = await findWritesByEventRefs(deps.db, { connectionId: target.connectionId, refs });
      // The seats of a group session share one event: a ref may name several rows (one per seat).
      const byRef = new Map<string | null, CalendarWriteRow[]>();
      for (const row of rows)
        byRef.set(row.providerEventRef, [...(byRef.get(row.providerEventRef) ?? []), row]);
      // Our marker on an event the mapping does not know (the create's answer never arrived): map it by the marker.
      const unknown = upserts.filter((interval) => interval.bookingId && !byRef.has(interval.sourceRef));
      const unlinked = await findUnlinkedWrites(deps.db, {
        connectionId: target.connectionId,
        bookingIds: [...new Set(unknown.map((interval) => interval.bookingId!))],
      });
      for (const row of unlinked) {
        const interval = unknown.find((candidate) => candidate.bookingId === row.bookingId)!;
        await updateCalendarWrite(deps.db, row, {
          providerEventRef: interval.sourceRef,
          updatedAt: deps.now(),
        });
        byRef.set(interval.sourceRef, [{ ...row, providerEventRef: interval.sourceRef }]);
      }
      if (byRef.size === 0) return;
      for (const interval of upserts) {
        for (const row of byRef.get(interval.sourceRef) ?? []) {
          if (interval.bookingId === undefined) {
            await linkOwnBusyRows(deps.db, {
              connectionId: target.connectionId,
              eventRef: interval.sourceRef,
              bookingId: row.bookingId,
            });
          }
          if (interval.attendees && row.operation !== "cancel") {
            await applyAttendeeAnswer(row, interval.attendees).catch((error: unknown) =>
              deps.logger.error(
                { err: error, bookingId: row.bookingId },
                "an attendee's answer was not applied",
              ),
            );
          }
          if (interval.rooms && row.operation !== "cancel") {
            await applyRoomAnswers(row, interval.rooms).catch((error: unknown) =>
              deps.logger.error({ err: error, bookingId: row.bookingId }, "a room's answer was not applied"),
            );
          }
          if (row.state === "pending" || row.operation === "cancel") continue;
          const version = interval.etag ?? null;
          if (version !== null && version === row.changeKey) continue; // our own echo
          // An all-day event has no time of day to move the booking to: left as it is.
          if (interval.allDay) continue;
          await applyMove(row, { start: interval.start, end: interval.end, version }).catch(
            (error: unknown) =>
              deps.logger.error(
                { err: error, bookingId: row.bookingId },
                "a move in the host's calendar was not applied",
              ),
          );
        }
      }
      for (const ref of removedRefs) {
        for (const row of byRef.get(ref) ?? []) {
          if (row.state === "pending" || row.operation === "cancel") continue;
          await applyRemoval(row, providerName[provider]).catch((error: unknown) =>
            deps.logger.error(
              { err: error, bookingId: row.bookingId },
              "a deletion in the host's calendar was not applied",
            ),
          );
        }
      }
    },

    async calendarSynced({ target, source, window }) {
      await readUnseenEvents({
        source,
        target,
        window,
        findUnseen: (where) => findUnseenWrites(deps.db, where),
        apply: (row, event) =>
          applyHostVersion(row, source.provider, event).catch((error: unknown) =>
            deps.logger.error(
              { err: error, bookingId: row.bookingId },
              "a change in the host's calendar to an event no sync had shown was not applied",
            ),
          ),
      });
    },
  };

  function applyHostVersion(row: CalendarWriteRow, provider: ProviderKind, event: SourceBusyInterval | null) {
    if (event === null) return applyRemoval(row, providerName[provider]);
    // An all-day event has no time of day to move the booking to: left as it is.
    if (event.allDay) return Promise.resolve();
    return applyMove(row, { start: event.start, end: event.end, version: event.etag ?? null });
  }

  async function applyMove(row: CalendarWriteRow, moved: { start: Date; end: Date; version: string | null }) {
    const booking = await getBooking(deps.db, row.tenantId, row.bookingId);
    if (!booking || booking.status === "cancelled" || booking.status === "rejected") return;
    if (
      booking.startAt.getTime() === moved.start.getTime() &&
      booking.endAt.getTime() === moved.end.getTime()
    ) {
      if (moved.version)
        await updateCalendarWrite(deps.db, row, { changeKey: moved.version, updatedAt: deps.now() });
      return;
    }
    const result = await deps.bookings.moveFromCalendar({
      tenantId: row.tenantId,
      bookingId: row.bookingId,
      start: moved.start,
      end: moved.end,
      fromCalendar: { connectionId: row.connectionId, version: moved.version },
    });
    if (result.kind !== "collides") return;
    // Keep the booking; flag it and tell the tenant once per version of the event (the same page replayed is not
    // reported twice: the version is recorded).
    const at = deps.now();
    const warning = `The host moved the event in their calendar to ${moved.start.toISOString()}–${moved.end.toISOString()}, which overlaps another booking: the booking keeps its time`;
    await deps.db.transaction(async (tx) => {
      await updateCalendarWrite(tx, row, {
        warning,
        ...(moved.version ? { changeKey: moved.version } : {}),
        updatedAt: at,
      });
      await emitCalendarSyncFailed(tx, {
        jobs: deps.jobs,
        booking,
        row,
        operation: "host_move",
        error: `host_move_conflict: ${warning}`,
        now: at,
      });
    });
  }

  async function applyRoomAnswers(row: CalendarWriteRow, rooms: NonNullable<SourceBusyInterval["rooms"]>) {
    const booking = await getBooking(deps.db, row.tenantId, row.bookingId);
    const room = booking?.room;
    if (!booking || !room || booking.status === "cancelled" || booking.status === "rejected") return;
    const answer = rooms.find((candidate) => candidate.email === room.email);
    // "none"/"notResponded": the room has not answered yet; nothing to record.
    if (!answer || !["accepted", "tentativelyAccepted", "declined"].includes(answer.response)) return;
    const at = deps.now();
    await deps.db.transaction(async (tx) => {
      const changed = await setRoomResponse(tx, {
        tenantId: row.tenantId,
        bookingId: row.bookingId,
        email: room.email,
        response: answer.response,
        now: at,
      });
      if (!changed || answer.response !== "declined") return;
      const flagged = { ...booking, room: { ...room, response: "declined" } };
      const writes = await listCalendarWrites(tx, booking.tenantId, [booking.id]);
      const deliveryIds = await emitWebhookEvent(tx, {
        tenantId: booking.tenantId,
        type: "booking.room_declined",
        data: {
          booking: bookingWebhookBody(flagged, writes),
          room: { email: room.email, name: room.name, status: "declined", connectionId: row.connectionId },
        },
        now: at,
      });
      await deps.jobs.insert(webhookDeliveryJobs(deliveryIds), { db: sqlExecutorOf(tx) });
    });
  }

  /**
   * RSVP: the attendee's answer to the invitation (accepted, tentativelyAccepted, declined) as the host's event shows
   * it is recorded on the booking, with the new time they proposed alongside it (Outlook), and the tenant hears
   * `booking.attendee_responded` once per change. A decline cancels the booking when its event type says so
   * (`cancelOnDecline`); a proposal never moves the booking by itself (the host or attendee reschedules).
   */
  async function applyAttendeeAnswer(
    row: CalendarWriteRow,
    attendees: NonNullable<SourceBusyInterval["attendees"]>,
  ) {
    const booking = await getBooking(deps.db, row.tenantId, row.bookingId);
    if (!booking || booking.status === "cancelled" || booking.status === "rejected") return;
    const answer = attendees.find((candidate) => candidate.email === booking.attendeeEmail.toLowerCase());
    if (!answer || !["accepted", "tentativelyAccepted", "declined"].includes(answer.response)) return;
    const at = deps.now();
    const proposed = answer.proposed ?? null;
    const changed = await deps.db.transaction(async (tx) => {
      const recorded = await setAttendeeResponse(tx, {
        tenantId: row.tenantId,
        id: row.bookingId,
        response: answer.response,
        proposed,
        now: at,
      });
      if (!recorded) return false;
      const writes = await listCalendarWrites(tx, booking.tenantId, [booking.id]);
      const deliveryIds = await emitWebhookEvent(tx, {
        tenantId: booking.tenantId,
        type: "booking.attendee_responded",
        data: {
          booking: bookingWebhookBody(
            {
              ...booking,
              attendeeResponse: answer.response,
              attendeeProposedStart: proposed?.start ?? null,
              attendeeProposedEnd: proposed?.end ?? null,
            },
            writes,
          ),
          attendee: {
            email: booking.attendeeEmail,
            response: answer.response,
            // Kept apart from the answer: a proposal is the attendee asking for another time, not a reschedule.
            ...(proposed
              ? {
                  proposedNewTime: { start: proposed.start.toISOString(), end: proposed.end.toISOString() },
                }
              : {}),
          },
        },
        now: at,
      });
      await deps.jobs.insert(webhookDeliveryJobs(deliveryIds), { db: sqlExecutorOf(tx) });
      return true;
    });
    // A decline that proposes another time asks to move the booking, not to drop it: it is not cancelled.
    if (!changed || answer.response !== "declined" || proposed) return;
    const eventType = await getEventType(deps.db, booking.tenantId, booking.eventTypeId);
    if (!eventType?.cancelOnDecline) return;
    await deps.bookings.changeStatus({
      tenantId: row.tenantId,
      bookingId: row.bookingId,
      to: "cancelled",
      reason: "The attendee declined the invitation",
    });
  }

  async function applyRemoval(row: CalendarWriteRow, where: string) {
    const booking = await getBooking(deps.db, row.tenantId, row.bookingId);
    if (!booking || booking.status === "cancelled" || booking.status === "rejected") return;
    await deps.bookings.changeStatus({
      tenantId: row.tenantId,
      bookingId: row.bookingId,
      to: "cancelled",
      reason: `The host deleted or cancelled the event in their ${where} calendar`,
      fromCalendar: { connectionId: row.connectionId, version: null },
    });
  }
}
