import { bookingMailJob } from "../jobs/booking-mail-job.ts";
import { calendarWriteJob } from "../jobs/calendar-write-jobs.ts";
import type { JobEngine } from "../jobs/job-engine.ts";
import { webhookDeliveryJobs } from "../jobs/webhook-jobs.ts";
import type { Logger } from "../observability/logger.ts";
import { type CalendarWriteRow, planCalendarWrites } from "../store/calendar-writes-repository.ts";
import { sqlExecutorOf } from "../store/sql-executor-of.ts";
import { emitWebhookEvent } from "../store/webhooks-repository.ts";
import { bookingWriteHash } from "./booking-calendar-event.ts";
import type { BookingEvent, BookingEventSink } from "./booking-events.ts";
import { bookingWebhookBody } from "./booking-webhook-data.ts";
import { syncBookingReminders } from "./reminder-sync.ts";

const mailKinds = {
  "booking.created": "invitation",
  "booking.rescheduled": "update",
  "booking.confirmed": "update",
  "booking.cancelled": "cancellation",
} as const;

function webhookData(event: BookingEvent, writes: CalendarWriteRow[]) {
  return {
    booking: bookingWebhookBody(event.booking, writes),
    ...(event.previous
      ? { previous: { start: event.previous.startAt.toISOString(), end: event.previous.endAt.toISOString() } }
      : {}),
    ...(event.by ? { by: event.by } : {}),
  };
}

const writeOperations = {
  "booking.created": "create",
  "booking.rescheduled": "update",
  "booking.confirmed": "update",
  "booking.cancelled": "cancel",
} as const;

/**
 * Booking side effects, all written in the booking's transaction so they commit or roll back with it and a crash
 * can lose none of them: the write-back intents (pending rows, one calendar.write job), the webhook outbox rows,
 * their delivery jobs, the mail job (one insert for all jobs) and the reminder rows (created, moved or dropped).
 * The webhook sweeper still re-enqueues any delivery left pending, whatever happened to its job.
 */
export function createBookingEffects(deps: {
  jobs: JobEngine;
  logger: Logger;
  now: () => Date;
  /** False without SMTP_URL: no mail job is queued at all (there is nothing it could send). */
  mailEnabled: boolean;
}): BookingEventSink {
  return {
    async record(tx, event) {
      const { booking } = event;
      // A booking awaiting the host's confirmation is written into the calendar once confirmed: an Outlook
      // invitation must not reach the attendee before the host said yes.
      const awaitsConfirmation = event.type === "booking.created" && booking.status === "pending";
      const writes = awaitsConfirmation
        ? []
        : await planCalendarWrites(tx, {
            tenantId: booking.tenantId,
            bookingId: booking.id,
            hostIds: booking.hostIds,
            operation: writeOperations[event.type],
            contentHash: bookingWriteHash(booking),
            now: deps.now(),
            ...(event.fromCalendar ? { settled: event.fromCalendar } : {}),
          });
      const writeJobs = writes.some((row) => row.state === "pending")
        ? [
            calendarWriteJob({
              tenantId: booking.tenantId,
              bookingId: booking.id,
              ...(booking.sessionId ? { sessionId: booking.sessionId } : {}),
            }),
          ]
        : [];
      const deliveryIds = await emitWebhookEvent(tx, {
        tenantId: event.booking.tenantId,
        type: event.type,
        data: webhookData(event, writes),
        now: deps.now(),
      });
      // A pending booking's host decides first; the attendee hears once it is confirmed.
      const awaitingHost = awaitsConfirmation;
      const mail =
        deps.mailEnabled && !awaitingHost
          ? [
              bookingMailJob({
                tenantId: event.booking.tenantId,
                bookingId: event.booking.id,
                kind: mailKinds[event.type],
                ...(event.by ? { by: event.by } : {}),
              }),
            ]
          : [];
      await syncBookingReminders(tx, { booking, now: deps.now() });
      await deps.jobs.insert([...writeJobs, ...webhookDeliveryJobs(deliveryIds), ...mail], {
        db: sqlExecutorOf(tx),
      });
      return async () => {
        if (!deps.mailEnabled) {
          deps.logger.info(
            { bookingId: event.booking.id, event: event.type },
            "mail skipped (SMTP_URL is not set)",
          );
        }
      };
    },
  };
}
