import { checkManagedEventSchedule } from "../core/managed-events/managed-event-schedule.ts";
import type { SeriesOccurrence } from "../core/managed-events/recurrence.ts";
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
import { findManagedSeriesCopies, findUnseenManagedWrites } from "../store/managed-unseen-writes.ts";
import { sqlExecutorOf } from "../store/sql-executor-of.ts";
import { findTenantById } from "../store/tenants-repository.ts";
import { emitWebhookEvent } from "../store/webhooks-repository.ts";
import {
  differsFromRecord,
  type OccurrenceChange,
  occurrenceWarning,
  recurrenceWith,
  removedOccurrences,
  scheduleOf,
} from "./managed-occurrence-changes.ts";
import { readUnseenEvents } from "./read-unseen-events.ts";
import type { OwnEventsHandler } from "./sync-connection.ts";

type Change =
  | { kind: "moved"; start: Date; end: Date; version: string | null }
  | { kind: "deleted" }
  | { kind: "occurrence"; occurrence: OccurrenceChange };

/**
 * Two-way sync of managed events: a move or deletion the host makes in their calendar to an event we wrote is told
 * to the app (`event.changed_in_calendar` / `event.deleted_in_calendar`, with the new times), and the policy of the
 * event (or else the tenant's) decides: `accept` (our record follows the calendar and the other calendars are
 * updated), `notify` (the record stays; the app decides), `restore` (our version is written back once). Our own echo
 * (the version we last wrote) and a write of ours still pending are left alone. One occurrence of a series moved
 * (Graph names its master and original start) or removed (after a completed sync, an occurrence of our record the
 * calendar no longer holds) is told the same way with its `originalStart`; `accept` records it as an override or
 * EXDATE. After a completed sync, single events we wrote that the calendar's cache does not hold are read one by
 * one (a delta never names an event made and deleted between two of its rounds): gone is a deletion, there at
 * other times a move.
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
      const refs = [
        ...upserts.flatMap((interval) => [
          interval.sourceRef,
          ...(interval.seriesRef ? [interval.seriesRef] : []),
        ]),
        ...removedRefs,
      ];
      const rows = await findManagedWritesByRefs(deps.db, { connectionId: target.connectionId, refs });
      if (rows.length === 0) return;
      const byRef = new Map(rows.map((row) => [row.providerEventRef, row]));
      const settled = (row: ManagedWriteRow | undefined): row is ManagedWriteRow =>
        row !== undefined && row.state === "written" && row.operation !== "cancel";
      for (const interval of upserts) {
        // An occurrence of one of our series (Graph names its master and its original start): moved or ours.
        const series = interval.seriesRef === undefined ? undefined : byRef.get(interval.seriesRef);
        if (settled(series) && interval.originalStart && !interval.allDay) {
          await apply(series, {
            kind: "occurrence",
            occurrence: {
              originalStart: interval.originalStart,
              moved: { start: interval.start, end: interval.end },
            },
          });
          continue;
        }
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
      // Occurrences of our series removed in the calendar one by one: the sync stored the rest of the series.
      for (const { row, times } of await findManagedSeriesCopies(deps.db, target)) {
        const event = await getManagedEvent(deps.db, row.tenantId as TenantId, row.eventId);
        if (!event) continue;
        const known = [...(row.warning ?? "").matchAll(/^occurrence (\S+) moved/g)].map(
          (m) => new Date(m[1]!),
        );
        for (const originalStart of removedOccurrences({ event, times, window, known }))
          await apply(row, { kind: "occurrence", occurrence: { originalStart, moved: null } });
      }
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
    if (change.kind === "occurrence") return applyOccurrence(tx, event, row, change.occurrence, now);
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
        result = await followCalendar(tx, {
          event,
          row,
          fields,
          occurrences: schedule.ok ? schedule.value.occurrences : [],
          changeKey: change.version,
          now,
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
    await emit(tx, result, {
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

  /**
   * One occurrence of a series changed in the calendar: `accept` takes it into our record (an override or an
   * EXDATE) and updates the other calendars; `notify` and `restore` leave the record and warn (restore does not
   * write one occurrence back yet: the app hears it and may PATCH the series). Told once: the warning remembers it.
   */
  async function applyOccurrence(
    tx: Database,
    event: ManagedEventRow,
    row: ManagedWriteRow,
    occurrence: OccurrenceChange,
    now: Date,
  ): Promise<{ tenantId: TenantId; hostIds: HostId[] } | undefined> {
    if (!event.recurrence || !differsFromRecord(event, occurrence)) return undefined;
    const tenantId = event.tenantId;
    const tenant = await findTenantById(tx, tenantId);
    const policy = event.calendarChangePolicy ?? tenant?.calendarChangePolicy ?? "notify";
    let result = event;
    let availability: { tenantId: TenantId; hostIds: HostId[] } | undefined;
    if (policy === "accept") {
      const recurrence = recurrenceWith(event.recurrence, occurrence);
      const fields = { ...event, recurrence };
      const schedule = scheduleOf(fields);
      if (!schedule.ok) return undefined;
      result = await followCalendar(tx, { event, row, fields, occurrences: schedule.value.occurrences, now });
      availability = { tenantId, hostIds: event.hostIds };
    } else {
      const warning = occurrenceWarning(occurrence);
      if (row.warning === warning) return undefined;
      await updateManagedWrite(tx, row, { warning, updatedAt: now });
    }
    await emit(tx, result, {
      type: occurrence.moved ? "event.changed_in_calendar" : "event.deleted_in_calendar",
      policy,
      calendar: {
        connectionId: row.connectionId,
        hostId: row.hostId,
        originalStart: occurrence.originalStart.toISOString(),
        ...(occurrence.moved
          ? { start: occurrence.moved.start.toISOString(), end: occurrence.moved.end.toISOString() }
          : {}),
      },
      now,
    });
    return availability;
  }

  /**
   * Our record takes the calendar's version (policy `accept`) and the other calendars are updated; the calendar the
   * change came from already shows it: nothing is written back there.
   */
  async function followCalendar(
    tx: Database,
    params: {
      event: ManagedEventRow;
      row: ManagedWriteRow;
      fields: ManagedEventRow;
      occurrences: SeriesOccurrence[];
      changeKey?: string | null;
      now: Date;
    },
  ): Promise<ManagedEventRow> {
    const { event, now } = params;
    const result = await saveManagedEvent(tx, {
      tenantId: event.tenantId,
      existing: event,
      externalId: event.externalId,
      fields: params.fields,
      hostIds: event.hostIds,
      occurrences: params.occurrences,
      now,
    });
    await planManagedWrites(tx, { event: result, now });
    await updateManagedWrite(tx, params.row, {
      state: "written",
      operation: "update",
      contentHash: managedWriteHash(result),
      ...(params.changeKey === undefined ? {} : { changeKey: params.changeKey }),
      updatedAt: now,
    });
    return result;
  }

  /** Starts the writes the change planned, and tells the app (in the change's transaction). */
  async function emit(
    tx: Database,
    event: ManagedEventRow,
    params: { type: string; policy: string; calendar: Record<string, unknown>; now: Date },
  ): Promise<void> {
    const writes = await listManagedWrites(tx, [event.id]);
    if (writes.some((write) => write.state === "pending")) {
      await deps.jobs.insert([managedEventWriteJob({ tenantId: event.tenantId, eventId: event.id })], {
        db: sqlExecutorOf(tx),
      });
    }
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
