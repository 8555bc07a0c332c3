import { bookingMailJob } from "../jobs/booking-mail-job.ts";
import type { JobEngine } from "../jobs/job-engine.ts";
import { webhookDeliveryJobs } from "../jobs/webhook-jobs.ts";
import type { Logger } from "../observability/logger.ts";
import { sqlExecutorOf } from "../store/sql-executor-of.ts";
import { emitWebhookEvent } from "../store/webhooks-repository.ts";
import type { BookingEvent, BookingEventSink } from "./booking-events.ts";

const mailKinds = {
  "booking.created": "invitation",
  "booking.rescheduled": "update",
  "booking.confirmed": "update",
  "booking.cancelled": "cancellation",
} as const;

function webhookData(event: BookingEvent) {
  const { booking } = event;
  return {
    booking: {
      id: booking.id,
      eventTypeId: booking.eventTypeId,
      status: booking.status,
      start: booking.startAt.toISOString(),
      end: booking.endAt.toISOString(),
      timeZone: booking.inviteeTimeZone,
      hostIds: booking.hostIds,
      attendee: { name: booking.attendeeName, email: booking.attendeeEmail },
      answers: booking.answers,
      icalUid: booking.icalUid,
      sequence: booking.sequence,
      cancelReason: booking.cancelReason,
    },
    ...(event.previous
      ? { previous: { start: event.previous.startAt.toISOString(), end: event.previous.endAt.toISOString() } }
      : {}),
  };
}

/**
 * Booking side effects, all written in the booking's transaction so they commit or roll back with it and a crash
 * can lose none of them: the webhook outbox rows, their delivery jobs and the mail job (one insert for all jobs).
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
      const deliveryIds = await emitWebhookEvent(tx, {
        tenantId: event.booking.tenantId,
        type: event.type,
        data: webhookData(event),
        now: deps.now(),
      });
      // A pending booking's host decides first; the attendee hears once it is confirmed.
      const awaitingHost = event.type === "booking.created" && event.booking.status === "pending";
      const mail =
        deps.mailEnabled && !awaitingHost
          ? [
              bookingMailJob({
                tenantId: event.booking.tenantId,
                bookingId: event.booking.id,
                kind: mailKinds[event.type],
              }),
            ]
          : [];
      await deps.jobs.insert([...webhookDeliveryJobs(deliveryIds), ...mail], { db: sqlExecutorOf(tx) });
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
