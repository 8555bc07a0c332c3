import { checkManagedEventSchedule } from "../core/managed-events/managed-event-schedule.ts";
import type { JobEngine } from "../jobs/job-engine.ts";
import { managedEventWriteJob } from "../jobs/managed-event-write-jobs.ts";
import { webhookDeliveryJobs } from "../jobs/webhook-jobs.ts";
import type { Logger } from "../observability/logger.ts";
import { managedEventBody } from "../scheduling/managed-event-body.ts";
import { managedWriteHash } from "../scheduling/managed-event-calendar-event.ts";
import type { Database } from "../store/database.ts";
import type { HostId, TenantId } from "../store/ids.ts";
import {
  cancelManagedEvent,
  findManagedEventForUpdate,
  findManagedWritesByRefs,
  getManagedEvent,
  listManagedWrites,
  type ManagedEventRow,
  type ManagedWriteRow,
  planManagedWrites,
  saveManagedEvent,
  updateManagedWrite,
} from "../store/managed-events-repository.ts";
import { findUnseenManagedWrites } from "../store/managed-unseen-writes.ts";
import { sqlExecutorOf } from "../store/sql-executor-of.ts";
import { findTenantById } from "../store/tenants-repository.ts";
import { emitWebhookEvent } from "../store/webhooks-repository.ts";
import { readUnseenEvents } from "./read-unseen-events.ts";
import type { OwnEventsHandler } from "./sync-connection.ts";

type Change = { kind: "moved"; start: Date; end: Date; version: string | null } | { kind: "deleted" };

/**
 * Two-way sync of managed events: a move or deletion the host makes in their calendar to an event we wrote is told
 * to the app (`event.changed_in_calendar` / `event.deleted_in_calendar`, with the new times), and the policy of the
 * event (or else the tenant's) decides: `accept` (our record follows the calendar and the other calendars are
 * updated), `notify` (the record stays; the app decides), `restore` (our version is written back once). Our own echo
 * (the version we last wrote) and a write of ours still pending are left alone. A series is not followed occurrence
 * by occurrence yet: changes to a recurring event are left to the app. After a completed sync, single events we
 * wrote that the calendar's cache does not hold are read one by one (a delta never names an event made and deleted
 * between two of its rounds): gone is a deletion, there at other times a move.
 */
export function createManagedTwoWaySync(deps: {
  db: Database;
  jobs: JobEngine;
  logger: Logger;
  now: () => Date;
  onAvailabilityChanged?: (change: { tenantId: TenantId; hostIds: HostId[] }) => void;
}): OwnEventsHandler {
  return {
    async pageApplied({ target, upserts, removedRefs }) {
      const refs = [...upserts.map((interval) => interval.sourceRef), ...removedRefs];
      const rows = await findManagedWritesByRefs(deps.db, { connectionId: target.connectionId, refs });
      if (rows.length === 0) return;
      const byRef = new Map(rows.map((row) => [row.providerEventRef, row]));
      const settled = (row: ManagedWriteRow | undefined): row is ManagedWriteRow =>
        row !== undefined && row.state === "written" && row.operation !== "cancel";
      for (const interval of upserts) {
        const row = byRef.get(interval.sourceRef);
        if (!settled(row) || interval.allDay) continue;
        const version = interval.etag ?? null;
        if (version !== null && version === row.changeKey) continue; // our own echo
        await apply(row, { kind: "moved", start: interval.start, end: interval.end, version });
      }
      for (const ref of removedRefs) {
        const row = byRef.get(ref);
        if (settled(row)) await apply(row, { kind: "deleted" });
      }
    },

    async calendarSynced({ target, source, window }) {
      await readUnseenEvents({
        source,
        target,
        window,
        findUnseen: (where) => findUnseenManagedWrites(deps.db, where),
        apply: async (row, event) => {
          if (event === null) return apply(row, { kind: "deleted" });
          const version = event.etag ?? null;
          if (event.allDay || (version !== null && version === row.changeKey)) return;
          await apply(row, { kind: "moved", start: event.start, end: event.end, version });
        },
      });
    },
  };

  async function apply(row: ManagedWriteRow, change: Change): Promise<void> {
    try {
      const changed = await deps.db.transaction((tx) => applyIn(tx, row, change));
      if (changed) deps.onAvailabilityChanged?.(changed);
    } catch (error) {
      deps.logger.error(
        { err: error, managedEventId: row.eventId },
        "a change in the host's calendar was not applied",
      );
    }
  }

  async function applyIn(
    tx: Database,
    row: ManagedWriteRow,
    change: Change,
  ): Promise<{ tenantId: TenantId; hostIds: HostId[] } | undefined> {
    const tenantId = row.tenantId as TenantId;
    const current = await getManagedEvent(tx, tenantId, row.eventId);
    const event = current && (await findManagedEventForUpdate(tx, tenantId, current.externalId));
    if (event?.status !== "active") return undefined;
    const now = deps.now();
    if (change.kind === "moved") {
      const same =
        event.startAt.getTime() === change.start.getTime() && event.endAt.getTime() === change.end.getTime();
      if (same || event.recurrence) {
        if (change.version) await updateManagedWrite(tx, row, { changeKey: change.version, updatedAt: now });
        return undefined;
      }
    }
    const tenant = await findTenantById(tx, tenantId);
    const policy = event.calendarChangePolicy ?? tenant?.calendarChangePolicy ?? "notify";
    let result = event;
    let availability: { tenantId: TenantId; hostIds: HostId[] } | undefined;
    if (change.kind === "moved") {
      if (policy === "accept") {
        const fields = { ...event, startAt: change.start, endAt: change.end };
        const schedule = checkManagedEventSchedule({
          start: change.start,
          end: change.end,
          timeZone: event.timeZone,
          recurrence: null,
        });
        result = await saveManagedEvent(tx, {
          tenantId,
          existing: event,
          externalId: event.externalId,
          fields,
          hostIds: event.hostIds,
          occurrences: schedule.ok ? schedule.value.occurrences : [],
          now,
        });
        await planManagedWrites(tx, { event: result, now });
        // The calendar the move came from already shows it: nothing is written back there.
        await updateManagedWrite(tx, row, {
          state: "written",
          operation: "update",
          contentHash: managedWriteHash(result),
          changeKey: change.version,
          updatedAt: now,
        });
        availability = { tenantId, hostIds: event.hostIds };
      } else if (policy === "restore") {
        await updateManagedWrite(tx, row, {
          state: "pending",
          operation: "update",
          contentHash: null,
          changeKey: change.version,
          attempts: 0,
          updatedAt: now,
        });
      } else {
        await updateManagedWrite(tx, row, {
          changeKey: change.version,
          warning: `moved in the host's calendar to ${change.start.toISOString()}–${change.end.toISOString()}`,
          updatedAt: now,
        });
      }
    } else if (policy === "accept") {
      result = await cancelManagedEvent(tx, { event, reason: "deleted in the host's calendar", now });
      await planManagedWrites(tx, { event: result, now });
      await updateManagedWrite(tx, row, { state: "written", operation: "cancel", updatedAt: now });
      availability = { tenantId, hostIds: event.hostIds };
    } else {
      // The event is gone from that calendar: restore writes a new one (with a new key), notify forgets it.
      await updateManagedWrite(tx, row, {
        providerEventRef: null,
        changeKey: null,
        contentHash: null,
        ...(policy === "restore"
          ? { state: "pending", operation: "create", generation: row.generation + 1, attempts: 0 }
          : { state: "written", operation: "cancel", warning: "deleted in the host's calendar" }),
        updatedAt: now,
      });
    }
    const writes = await listManagedWrites(tx, [event.id]);
    if (writes.some((write) => write.state === "pending")) {
      await deps.jobs.insert([managedEventWriteJob({ tenantId, eventId: event.id })], {
        db: sqlExecutorOf(tx),
      });
    }
    await emit(tx, result, writes, {
      type: change.kind === "moved" ? "event.changed_in_calendar" : "event.deleted_in_calendar",
      policy,
      calendar: {
        connectionId: row.connectionId,
        hostId: row.hostId,
        ...(change.kind === "moved"
          ? { start: change.start.toISOString(), end: change.end.toISOString() }
          : {}),
      },
      now,
    });
    return availability;
  }

  async function emit(
    tx: Database,
    event: ManagedEventRow,
    writes: ManagedWriteRow[],
    params: { type: string; policy: string; calendar: Record<string, unknown>; now: Date },
  ): Promise<void> {
    const deliveryIds = await emitWebhookEvent(tx, {
      tenantId: event.tenantId,
      type: params.type,
      data: { event: managedEventBody(event, writes), policy: params.policy, calendar: params.calendar },
      now: params.now,
    });
    await deps.jobs.insert(webhookDeliveryJobs(deliveryIds), { db: sqlExecutorOf(tx) });
  }
}

/** Both two-way handlers (bookings, managed events) for one sync engine. */
export function combineOwnEvents(...handlers: OwnEventsHandler[]): OwnEventsHandler {
  return {
    async pageApplied(params) {
      for (const handler of handlers) await handler.pageApplied(params);
    },
    async calendarSynced(params) {
      for (const handler of handlers) await handler.calendarSynced?.(params);
    },
  };
}
