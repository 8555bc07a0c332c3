import { and, eq, isNotNull, isNull, lt, or } from "drizzle-orm";
import type PgBoss from "pg-boss";
import type { Logger } from "../observability/logger.ts";
import { bookingWebhookBody } from "../scheduling/booking-webhook-data.ts";
import { managedEventBody } from "../scheduling/managed-event-body.ts";
import { liveReminderBooking, liveReminderEvent } from "../scheduling/reminder-subjects.ts";
import { syncManagedEventReminders } from "../scheduling/reminder-sync.ts";
import { listCalendarWrites } from "../store/calendar-writes-repository.ts";
import type { Database } from "../store/database.ts";
import type { TenantId } from "../store/ids.ts";
import { findManagedEventForUpdate, listManagedWrites } from "../store/managed-events-repository.ts";
import { claimDueReminders, type ReminderRow, settleReminders } from "../store/reminders-repository.ts";
import { managedEvents } from "../store/schema.ts";
import { sqlExecutorOf } from "../store/sql-executor-of.ts";
import { emitWebhookEvent } from "../store/webhooks-repository.ts";
import type { JobEngine } from "./job-engine.ts";
import { REMINDER_MAIL_QUEUE } from "./reminder-mail-job.ts";
import { webhookDeliveryJobs } from "./webhook-jobs.ts";

export interface ReminderDeps {
  db: Database;
  jobs: JobEngine;
  logger: Logger;
  /** The app clock: tests move it to pass an offset. */
  now: () => Date;
  /** False without SMTP_URL: the webhook still goes out, no mail job is queued. */
  mailEnabled: boolean;
}

const BATCH = 100;
/** A series' rows are renewed daily (see SERIES_REMINDER_HORIZON_DAYS). */
const RENEW_AFTER_MS = 86_400_000;

/** The webhook of one due reminder, or null when the appointment is gone, cancelled, moved off it or started. */
async function reminderWebhook(
  tx: Database,
  row: ReminderRow,
  now: Date,
): Promise<{ type: "booking.reminder_due" | "event.reminder_due"; data: unknown } | null> {
  const recipient = { email: row.recipient, kind: row.recipientKind };
  const common = { offsetMinutes: row.offsetMinutes, dueAt: row.dueAt.toISOString(), recipient };
  const booking = await liveReminderBooking(tx, row, now);
  if (booking) {
    const writes = await listCalendarWrites(tx, row.tenantId, [booking.id]);
    return {
      type: "booking.reminder_due",
      data: { booking: bookingWebhookBody(booking, writes), ...common },
    };
  }
  const event = await liveReminderEvent(tx, row, now);
  if (!event) return null;
  const writes = await listManagedWrites(tx, [event.id]);
  return {
    type: "event.reminder_due",
    data: {
      event: managedEventBody(event, writes),
      occurrence: { start: row.startAt.toISOString() },
      ...common,
    },
  };
}

/**
 * Claims the due reminders and settles each in the same transaction: `sent` with its webhook rows, their delivery
 * jobs and the mail job, or `dropped` when the start has passed or the appointment was cancelled. Rows are locked
 * with SKIP LOCKED and only pending ones are taken, so two workers never claim one row, and a claim that rolls back
 * leaves it pending for the next run.
 */
export async function sendDueReminders(deps: ReminderDeps): Promise<{ sent: number; dropped: number }> {
  return deps.db.transaction(async (tx) => {
    const now = deps.now();
    const due = await claimDueReminders(tx, { now, limit: BATCH });
    const sent: string[] = [];
    const dropped: string[] = [];
    const jobs: PgBoss.JobInsert[] = [];
    for (const row of due) {
      const webhook = await reminderWebhook(tx, row, now);
      if (!webhook) {
        dropped.push(row.id);
        continue;
      }
      const deliveryIds = await emitWebhookEvent(tx, { tenantId: row.tenantId, ...webhook, now });
      jobs.push(...webhookDeliveryJobs(deliveryIds));
      if (deps.mailEnabled) jobs.push({ name: REMINDER_MAIL_QUEUE, data: { reminderId: row.id } });
      sent.push(row.id);
    }
    await settleReminders(tx, { ids: sent, state: "sent", now });
    await settleReminders(tx, { ids: dropped, state: "dropped", now });
    await deps.jobs.insert(jobs, { db: sqlExecutorOf(tx) });
    return { sent: sent.length, dropped: dropped.length };
  });
}

/** Adds the rows of series occurrences that came within the horizon since the series was last planned. */
export async function renewSeriesReminders(deps: Pick<ReminderDeps, "db" | "now">): Promise<number> {
  const now = deps.now();
  const stale = await deps.db
    .select({ tenantId: managedEvents.tenantId, externalId: managedEvents.externalId })
    .from(managedEvents)
    .where(
      and(
        eq(managedEvents.status, "active"),
        isNotNull(managedEvents.recurrence),
        or(
          isNull(managedEvents.remindersPlannedAt),
          lt(managedEvents.remindersPlannedAt, new Date(now.getTime() - RENEW_AFTER_MS)),
        ),
      ),
    )
    .limit(BATCH);
  for (const { tenantId, externalId } of stale) {
    await deps.db.transaction(async (tx) => {
      // Locked like a change of the event, so a concurrent PATCH and the renewal take turns.
      const event = await findManagedEventForUpdate(tx, tenantId as TenantId, externalId);
      if (event) await syncManagedEventReminders(tx, { event, now, mode: "add" });
    });
  }
  return stale.length;
}

/**
 * Runs the reminder work every `intervalMs` in a process that runs jobs: a short poll on an indexed column, on the
 * app clock (a pg-boss cron runs at most once a minute, on the wall clock). Every worker process polls; SKIP LOCKED
 * shares the rows out between them.
 */
export function startReminderPoller(deps: ReminderDeps & { intervalMs: number }): { stop(): Promise<void> } {
  let running: Promise<void> | undefined;
  let stopped = false;
  const tick = async () => {
    try {
      await renewSeriesReminders(deps);
      while (!stopped) {
        const settled = await sendDueReminders(deps);
        if (settled.sent + settled.dropped < BATCH) break;
      }
    } catch (error) {
      deps.logger.error({ err: error }, "reminder run failed; retrying on the next tick");
    }
  };
  const timer = setInterval(() => {
    // A run longer than the interval is not overlapped by the next one.
    running ??= tick().finally(() => {
      running = undefined;
    });
  }, deps.intervalMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
