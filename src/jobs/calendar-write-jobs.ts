import type PgBoss from "pg-boss";
import { recordConnectionAudit } from "../audit/record-audit.ts";
import type { SourceError } from "../core/sync/calendar-source.ts";
import type { Logger } from "../observability/logger.ts";
import { bookingCalendarEvent, bookingWriteHash } from "../scheduling/booking-calendar-event.ts";
import { attendeeLinksFor } from "../scheduling/booking-links.ts";
import { bookingWebhookBody } from "../scheduling/booking-webhook-data.ts";
import type { KeyRing } from "../secrets/key-ring.ts";
import { type BookingRow, getBooking, setBookingMeetingUrl } from "../store/bookings-repository.ts";
import {
  type CalendarWriteRow,
  linkOwnBusyRows,
  listCalendarWrites,
  updateCalendarWrite,
} from "../store/calendar-writes-repository.ts";
import type { Database } from "../store/database.ts";
import { getEventType } from "../store/event-types-repository.ts";
import type { TenantId } from "../store/ids.ts";
import { sqlExecutorOf } from "../store/sql-executor-of.ts";
import { findTenantById } from "../store/tenants-repository.ts";
import { emitWebhookEvent } from "../store/webhooks-repository.ts";
import type { ConnectionEvents } from "../sync/connection-events.ts";
import type { SourceFactory } from "../sync/sync-connection.ts";
import type { HostVersions } from "../sync/two-way-sync.ts";
import type { JobEngine } from "./job-engine.ts";
import { settleMeeting } from "./pending-meeting.ts";
import { writeSessionSeat } from "./session-calendar-write.ts";
import { webhookDeliveryJobs } from "./webhook-jobs.ts";
import { applyHostVersionAfterConflict } from "./write-conflict.ts";
import { MAX_WRITE_ATTEMPTS, openWriteSource, retriesWrite } from "./write-source.ts";

export const CALENDAR_WRITE_QUEUE = "calendar.write";

const MAX_ATTEMPTS = MAX_WRITE_ATTEMPTS;

interface CalendarWriteJob {
  tenantId: string;
  bookingId: string;
  /** A seat's session: the writes of one session run one at a time (they share one event). */
  sessionId?: string;
}

export interface CalendarWriteDeps {
  jobs: JobEngine;
  db: Database;
  sources: SourceFactory;
  events: ConnectionEvents;
  keyRing: KeyRing;
  publicUrl: string;
  logger: Logger;
  now: () => Date;
  /** Two-way sync's rules for the host's version of an event (applied when an update meets a changed event). */
  hostVersions?: HostVersions;
}

export type WriteOutcome = { kind: "settled"; error?: SourceError } | { kind: "retry"; error: SourceError };

/**
 * `calendar.write` settles a booking's pending write-back rows: creates, updates or cancels the event in each host
 * calendar through the port. One job per booking runs at a time (singleton queue keyed by booking), so the changes
 * of a booking reach the calendar in order. The intent was committed with the booking (a `pending` row), so a crash
 * at any point is retried: a create is idempotent on its key (Graph transactionId), an update repeats the same
 * content, and a cancel of an event already gone counts as done.
 */
export async function registerCalendarWriteJobs(deps: CalendarWriteDeps): Promise<void> {
  await deps.jobs.register<CalendarWriteJob>({
    name: CALENDAR_WRITE_QUEUE,
    policy: "singleton",
    retryLimit: MAX_ATTEMPTS,
    retryDelaySeconds: 5,
    retryBackoff: true,
    async handle(data) {
      const tenantId = data.tenantId as TenantId;
      const booking = await getBooking(deps.db, tenantId, data.bookingId);
      if (!booking) return; // deleted since: its rows went with it
      const pending = (await listCalendarWrites(deps.db, tenantId, [booking.id])).filter(
        (row) => row.state === "pending",
      );
      let retry: SourceError | undefined;
      for (const row of pending) {
        const outcome = await writeOne(deps, booking, row);
        await recordConnectionAudit(deps.db, {
          at: deps.now(),
          connectionId: row.connectionId,
          bookingId: booking.id,
          actor: { kind: "system_job", id: CALENDAR_WRITE_QUEUE },
          action: "calendar.write",
          outcome: outcome.error ? "failure" : "success",
          details: {
            operation: row.operation as "create" | "update" | "cancel",
            itemCount: 1,
            ...(outcome.error ? { errorKind: outcome.error.kind } : {}),
          },
        });
        if (outcome.kind === "retry") retry = outcome.error;
      }
      if (retry) throw new Error(`a calendar write will be retried: ${retry.kind}: ${retry.message}`);
    },
  });
}

async function writeOne(
  deps: CalendarWriteDeps,
  booking: BookingRow,
  row: CalendarWriteRow,
): Promise<WriteOutcome> {
  const key = { bookingId: row.bookingId, connectionId: row.connectionId };
  const attempts = row.attempts + 1;
  const fail = async (error: SourceError): Promise<WriteOutcome> => {
    if (retriesWrite(error, attempts)) {
      await updateCalendarWrite(deps.db, key, {
        attempts,
        lastError: `${error.kind}: ${error.message}`,
        updatedAt: deps.now(),
      });
      return { kind: "retry", error };
    }
    await failPermanently(deps, booking, row, error);
    return { kind: "settled", error };
  };
  const opened = await openWriteSource(deps, row.connectionId);
  if (!opened.ok) return fail(opened.error);
  const { connection, hostTimeZone, source } = opened;
  await updateCalendarWrite(deps.db, key, { attempts, updatedAt: deps.now() });
  const hash = bookingWriteHash(booking);
  const settle = async (patch: Parameters<typeof updateCalendarWrite>[2]) => {
    await updateCalendarWrite(deps.db, key, {
      ...patch,
      state: "written",
      lastError: null,
      meetingPending: false,
    });
    return { kind: "settled" } as const;
  };

  if (booking.sessionId) {
    const outcome = await writeSessionSeat({
      db: deps.db,
      now: deps.now,
      booking: { ...booking, sessionId: booking.sessionId },
      row,
      source,
      personal: connection.accountKind === "personal",
      hostTimeZone,
      contentHash: hash,
      settle: (patch) => settle({ ...patch, updatedAt: deps.now() }),
      fail,
    });
    return outcome as WriteOutcome;
  }

  if (row.operation === "cancel") {
    if (!row.providerEventRef) return settle({ contentHash: hash, updatedAt: deps.now() });
    const cancelled = await source.cancelEvent({
      calendarRef: row.calendarRef,
      eventRef: row.providerEventRef,
      ...(booking.cancelReason ? { reason: booking.cancelReason } : {}),
      // The provider tells the invitee only if it invited them (Google sendUpdates).
      notify: row.invitesAttendee,
    });
    if (!cancelled.ok) return fail(cancelled.error);
    return settle({ contentHash: hash, updatedAt: deps.now() });
  }

  // The event shows this state, but the provider was still making its meeting: read the link now (the job's retry
  // with backoff gave the provider the time).
  if (row.meetingPending && row.providerEventRef && row.contentHash === hash && source.readMeeting) {
    const read = await source.readMeeting({ calendarRef: row.calendarRef, eventRef: row.providerEventRef });
    if (!read.ok) return fail(read.error);
    return settleMeeting({ ...deps, booking, key, attempts, settle, meeting: read.value });
  }
  // Already showing this state (the host made the change in this calendar, or a retry after a committed write).
  if (row.providerEventRef && row.contentHash === hash) return settle({ updatedAt: deps.now() });
  const tenant = await findTenantById(deps.db, booking.tenantId);
  const eventType = await getEventType(deps.db, booking.tenantId, booking.eventTypeId);
  const personal = connection.accountKind === "personal";
  const wantsTeams = booking.location?.kind === "teams";
  const wantsMeet = booking.location?.kind === "meet";
  const event = bookingCalendarEvent({
    booking: wantsTeams && personal ? { ...booking, location: null } : booking,
    title: eventType?.title ?? "Booking",
    description: eventType?.description ?? null,
    hostTimeZone,
    connectionId: connection.id,
    manageUrl: attendeeLinksFor({ keyRing: deps.keyRing, publicUrl: deps.publicUrl, booking }).manage,
    inviteAttendee: (tenant?.attendeeInvitations ?? "provider") === "provider",
  });
  const result = row.providerEventRef
    ? await source.updateEvent({
        calendarRef: row.calendarRef,
        eventRef: row.providerEventRef,
        event,
        ...(row.changeKey ? { version: row.changeKey } : {}),
      })
    : await source.createEvent({ calendarRef: row.calendarRef, event });
  if (!result.ok && result.error.kind === "conflict" && row.providerEventRef && deps.hostVersions) {
    const unapplied = await applyHostVersionAfterConflict({
      db: deps.db,
      hostVersions: deps.hostVersions,
      source,
      booking,
      row: { ...row, providerEventRef: row.providerEventRef },
      contentHash: hash,
      now: deps.now,
    });
    return unapplied ? fail(unapplied) : { kind: "settled" };
  }
  if (!result.ok) return fail(result.error);
  const written = result.value;
  if (written.meetingPending) {
    // The event exists (its id is kept, so the retry reads it instead of writing again); the link comes later.
    // Marked pending in the same statement: another run for this booking in between must not take the event for
    // settled ("already showing this state") and leave it without its link.
    await updateCalendarWrite(deps.db, key, {
      meetingPending: true,
      providerEventRef: written.eventRef,
      changeKey: written.version ?? null,
      contentHash: hash,
      invitesAttendee: event.attendees.length > 0,
      updatedAt: deps.now(),
    });
    await linkOwnBusyRows(deps.db, {
      connectionId: connection.id,
      eventRef: written.eventRef,
      bookingId: booking.id,
    });
    return settleMeeting({ ...deps, booking, key, attempts, settle, meeting: { state: "pending" } });
  }
  const noTeams = wantsTeams && (personal || written.onlineMeetingRefused === true);
  const noMeet = wantsMeet && written.onlineMeetingRefused === true;
  // The provider made the meeting (Teams, Meet): its link goes on the booking, so mails, .ics and webhooks carry it.
  const meetingKind = wantsTeams ? "teams" : wantsMeet ? "meet" : undefined;
  if (meetingKind && written.joinUrl && booking.location?.value !== written.joinUrl) {
    await setBookingMeetingUrl(deps.db, {
      tenantId: booking.tenantId,
      id: booking.id,
      kind: meetingKind,
      url: written.joinUrl,
    });
  }
  await linkOwnBusyRows(deps.db, {
    connectionId: connection.id,
    eventRef: written.eventRef,
    bookingId: booking.id,
  });
  deps.logger.info(
    { bookingId: booking.id, connectionId: connection.id, operation: row.operation },
    "booking written to the host's calendar",
  );
  return settle({
    providerEventRef: written.eventRef,
    changeKey: written.version ?? null,
    contentHash: hash,
    invitesAttendee: event.attendees.length > 0,
    warning: noTeams
      ? personal
        ? "Microsoft Teams meetings cannot be created on a personal Microsoft account: the event has no Teams link"
        : "the calendar did not create the Teams meeting: the event has no Teams link"
      : noMeet
        ? "Google Calendar did not create the Meet link: the event has no Meet link"
        : null,
    updatedAt: deps.now(),
  });
}

/** The write is given up: the row says why, and the tenant hears `booking.calendar_sync_failed` (same transaction). */
async function failPermanently(
  deps: CalendarWriteDeps,
  booking: BookingRow,
  row: CalendarWriteRow,
  error: SourceError,
): Promise<void> {
  const at = deps.now();
  const message = `${error.kind}: ${error.message}`;
  await deps.db.transaction(async (tx) => {
    await updateCalendarWrite(tx, row, { state: "failed", lastError: message, updatedAt: at });
    await emitCalendarSyncFailed(tx, {
      jobs: deps.jobs,
      booking,
      row,
      operation: row.operation,
      error: message,
      now: at,
    });
  });
  deps.logger.warn(
    { bookingId: booking.id, connectionId: row.connectionId, error: error.kind },
    "calendar write failed permanently",
  );
}

/**
 * `booking.calendar_sync_failed`, written in the caller's transaction (with the row change that caused it): a write
 * given up, or a move in the host's calendar that could not be applied.
 */
export async function emitCalendarSyncFailed(
  tx: Database,
  params: {
    jobs: JobEngine;
    booking: BookingRow;
    row: CalendarWriteRow;
    operation: string;
    error: string;
    now: Date;
  },
): Promise<void> {
  const { booking, row } = params;
  const writes = await listCalendarWrites(tx, booking.tenantId, [booking.id]);
  const deliveryIds = await emitWebhookEvent(tx, {
    tenantId: booking.tenantId,
    type: "booking.calendar_sync_failed",
    data: {
      booking: bookingWebhookBody(booking, writes),
      calendar: {
        connectionId: row.connectionId,
        hostId: row.hostId,
        operation: params.operation,
        error: params.error,
      },
    },
    now: params.now,
  });
  await params.jobs.insert(webhookDeliveryJobs(deliveryIds), { db: sqlExecutorOf(tx) });
}

/** The write job for a booking change, to insert in the change's transaction (see `JobEngine.insert`). */
export function calendarWriteJob(job: CalendarWriteJob): PgBoss.JobInsert<CalendarWriteJob> {
  return { name: CALENDAR_WRITE_QUEUE, data: job, singletonKey: job.sessionId ?? job.bookingId };
}
