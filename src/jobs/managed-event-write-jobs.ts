import type PgBoss from "pg-boss";
import { recordConnectionAudit } from "../audit/record-audit.ts";
import type { EventMeeting, SourceError } from "../core/sync/calendar-source.ts";
import type { Logger } from "../observability/logger.ts";
import { managedEventBody } from "../scheduling/managed-event-body.ts";
import { managedCalendarEvent, managedWriteHash } from "../scheduling/managed-event-calendar-event.ts";
import type { Database } from "../store/database.ts";
import type { TenantId } from "../store/ids.ts";
import {
  getManagedEvent,
  listManagedWrites,
  type ManagedEventRow,
  type ManagedWriteRow,
  updateManagedWrite,
} from "../store/managed-events-repository.ts";
import { sqlExecutorOf } from "../store/sql-executor-of.ts";
import { emitWebhookEvent } from "../store/webhooks-repository.ts";
import type { ConnectionEvents } from "../sync/connection-events.ts";
import type { SourceFactory } from "../sync/sync-connection.ts";
import type { JobEngine } from "./job-engine.ts";
import { webhookDeliveryJobs } from "./webhook-jobs.ts";
import { MAX_WRITE_ATTEMPTS, openWriteSource, retriesWrite } from "./write-source.ts";

export const MANAGED_EVENT_WRITE_QUEUE = "managed-event.write";

interface ManagedEventWriteJob {
  tenantId: string;
  eventId: string;
}

export interface ManagedEventWriteDeps {
  jobs: JobEngine;
  db: Database;
  sources: SourceFactory;
  events: ConnectionEvents;
  logger: Logger;
  now: () => Date;
}

/**
 * `managed-event.write` settles a managed event's pending write rows through the same provider port as bookings:
 * create (idempotent on its key), update (the series and its edited occurrences), or cancel, in each destination
 * calendar. One job per event runs at a time, so its changes reach the calendars in order. Each settled write is
 * told to the app: `event.written`, or `event.write_failed` once retries are used up.
 */
export async function registerManagedEventWriteJobs(deps: ManagedEventWriteDeps): Promise<void> {
  await deps.jobs.register<ManagedEventWriteJob>({
    name: MANAGED_EVENT_WRITE_QUEUE,
    policy: "singleton",
    retryLimit: MAX_WRITE_ATTEMPTS,
    retryDelaySeconds: 5,
    retryBackoff: true,
    async handle(data) {
      const event = await getManagedEvent(deps.db, data.tenantId as TenantId, data.eventId);
      if (!event) return;
      const pending = (await listManagedWrites(deps.db, [event.id])).filter((row) => row.state === "pending");
      let retry: SourceError | undefined;
      for (const row of pending) {
        const error = await writeOne(deps, event, row);
        await recordConnectionAudit(deps.db, {
          at: deps.now(),
          connectionId: row.connectionId,
          actor: { kind: "system_job", id: MANAGED_EVENT_WRITE_QUEUE },
          action: "calendar.write",
          outcome: error ? "failure" : "success",
          details: {
            operation: row.operation,
            itemCount: 1,
            ...(error ? { errorKind: error.error.kind } : {}),
          },
        });
        if (error?.retry) retry = error.error;
      }
      if (retry) throw new Error(`a managed event write will be retried: ${retry.kind}: ${retry.message}`);
    },
  });
}

/** The write job of a managed event change, inserted in the change's transaction. */
export function managedEventWriteJob(job: ManagedEventWriteJob): PgBoss.JobInsert<ManagedEventWriteJob> {
  return { name: MANAGED_EVENT_WRITE_QUEUE, data: job, singletonKey: job.eventId };
}

async function writeOne(
  deps: ManagedEventWriteDeps,
  event: ManagedEventRow,
  row: ManagedWriteRow,
): Promise<{ error: SourceError; retry: boolean } | undefined> {
  const attempts = row.attempts + 1;
  const hash = managedWriteHash(event);
  const fail = async (error: SourceError) => {
    const retry = retriesWrite(error, attempts);
    await settle(deps, event, row, {
      state: retry ? "pending" : "failed",
      attempts,
      lastError: `${error.kind}: ${error.message}`,
      webhook: retry ? undefined : "event.write_failed",
    });
    return { error, retry };
  };
  const opened = await openWriteSource(deps, row.connectionId);
  if (!opened.ok) return fail(opened.error);
  const { connection, source } = opened;

  if (row.operation === "cancel") {
    if (row.providerEventRef) {
      const cancelled = await source.cancelEvent({
        calendarRef: row.calendarRef,
        eventRef: row.providerEventRef,
        ...(event.cancelReason ? { reason: event.cancelReason } : {}),
        notify: event.attendees.length > 0,
      });
      if (!cancelled.ok) return fail(cancelled.error);
    }
    await settle(deps, event, row, {
      state: "written",
      attempts,
      contentHash: hash,
      webhook: "event.written",
    });
    return undefined;
  }
  // The event shows this version, but the provider was still making its meeting (Google Meet `pending`): read the
  // link now; the job's retry with backoff gave the provider the time.
  if (
    row.providerEventRef &&
    row.contentHash === hash &&
    row.lastError?.startsWith(MEETING_PENDING) &&
    source.readMeeting
  ) {
    const read = await source.readMeeting({ calendarRef: row.calendarRef, eventRef: row.providerEventRef });
    if (!read.ok) return fail(read.error);
    return settleMeeting(deps, event, row, { attempts, meeting: read.value });
  }
  if (row.providerEventRef && row.contentHash === hash) {
    await settle(deps, event, row, { state: "written", attempts });
    return undefined;
  }
  const personal = connection.accountKind === "personal";
  const calendarEvent = managedCalendarEvent({
    event,
    connectionId: connection.id,
    generation: row.generation,
    withoutTeams: personal,
  });
  const result = row.providerEventRef
    ? await source.updateEvent({
        calendarRef: row.calendarRef,
        eventRef: row.providerEventRef,
        event: calendarEvent,
        ...(row.changeKey ? { version: row.changeKey } : {}),
      })
    : await source.createEvent({ calendarRef: row.calendarRef, event: calendarEvent });
  if (!result.ok) return fail(result.error);
  const written = result.value;
  if (written.meetingPending) {
    // The event exists (its id is kept, so the retry reads it instead of writing again); the link comes later.
    return settleMeeting(deps, event, row, {
      attempts,
      meeting: { state: "pending" },
      written: { providerEventRef: written.eventRef, changeKey: written.version ?? null, contentHash: hash },
    });
  }
  const wanted = event.location?.kind === "teams" || event.location?.kind === "meet";
  await settle(deps, event, row, {
    state: "written",
    attempts,
    providerEventRef: written.eventRef,
    changeKey: written.version ?? null,
    contentHash: hash,
    joinUrl: written.joinUrl ?? row.joinUrl,
    warning:
      wanted && !written.joinUrl
        ? `the calendar did not create the ${event.location?.kind === "teams" ? "Teams" : "Meet"} meeting: the event has no meeting link`
        : null,
    webhook: "event.written",
  });
  deps.logger.info(
    { managedEventId: event.id, connectionId: connection.id, operation: row.operation },
    "managed event written to the host's calendar",
  );
  return undefined;
}

const MEETING_PENDING = "meeting_pending";

/**
 * A managed event's online meeting the provider answered as `pending` (or read again): ready, its link goes on the
 * write (the event's `joinUrl`) and the write settles with `event.written`; refused, it settles with a warning;
 * still pending, the write stays pending (marked in its last error) and the job is retried with the engine's backoff.
 * After the last attempt it settles with a warning instead of failing: the event itself is in the calendar.
 */
async function settleMeeting(
  deps: ManagedEventWriteDeps,
  event: ManagedEventRow,
  row: ManagedWriteRow,
  params: {
    attempts: number;
    meeting: EventMeeting;
    written?: { providerEventRef: string; changeKey: string | null; contentHash: string };
  },
): Promise<{ error: SourceError; retry: boolean } | undefined> {
  const name = event.location?.kind === "teams" ? "Teams" : "Meet";
  const { attempts, meeting } = params;
  const written = {
    state: "written" as const,
    attempts,
    ...params.written,
    webhook: "event.written" as const,
  };
  if (meeting.state === "ready") {
    await settle(deps, event, row, {
      ...written,
      joinUrl: meeting.joinUrl,
      ...(meeting.version ? { changeKey: meeting.version } : {}),
      warning: null,
    });
    return undefined;
  }
  if (meeting.state === "refused" || attempts >= MAX_WRITE_ATTEMPTS) {
    await settle(deps, event, row, {
      ...written,
      warning:
        meeting.state === "refused"
          ? `the calendar did not create the ${name} meeting: the event has no meeting link`
          : `the calendar had not finished making the ${name} meeting after ${attempts} tries: the event has no meeting link yet`,
    });
    return undefined;
  }
  const error = { kind: "unavailable", message: `the calendar is still making the ${name} meeting` } as const;
  await settle(deps, event, row, {
    ...params.written,
    state: "pending",
    attempts,
    lastError: `${MEETING_PENDING}: ${error.message}`,
  });
  return { error, retry: true };
}

/** Records the outcome of a write and, in the same transaction, the webhook that tells the app. */
async function settle(
  deps: ManagedEventWriteDeps,
  event: ManagedEventRow,
  row: ManagedWriteRow,
  outcome: Omit<Parameters<typeof updateManagedWrite>[2], "updatedAt"> & {
    webhook?: "event.written" | "event.write_failed" | undefined;
  },
): Promise<void> {
  const { webhook, ...patch } = outcome;
  const now = deps.now();
  await deps.db.transaction(async (tx) => {
    await updateManagedWrite(
      tx,
      row,
      patch.state === "failed" || patch.state === "pending"
        ? { ...patch, updatedAt: now }
        : { lastError: null, ...patch, updatedAt: now },
    );
    if (!webhook) return;
    const writes = await listManagedWrites(tx, [event.id]);
    const deliveryIds = await emitWebhookEvent(tx, {
      tenantId: event.tenantId,
      type: webhook,
      data: {
        event: managedEventBody(event, writes),
        calendar: {
          connectionId: row.connectionId,
          hostId: row.hostId,
          operation: row.operation,
          ...(patch.lastError ? { error: patch.lastError } : {}),
        },
      },
      now,
    });
    await deps.jobs.insert(webhookDeliveryJobs(deliveryIds), { db: sqlExecutorOf(tx) });
  });
}
