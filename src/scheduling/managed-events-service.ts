import { and, eq, inArray } from "drizzle-orm";
import { checkManagedEventSchedule } from "../core/managed-events/managed-event-schedule.ts";
import type { JobEngine } from "../jobs/job-engine.ts";
import { managedEventWriteJob } from "../jobs/managed-event-write-jobs.ts";
import { AppError, notFound } from "../server/errors.ts";
import type { Database } from "../store/database.ts";
import type { HostId, TenantId } from "../store/ids.ts";
import {
  cancelManagedEvent,
  findManagedEventForUpdate,
  getManagedEvent,
  listManagedWrites,
  type ManagedEventFields,
  type ManagedEventRow,
  type ManagedWriteRow,
  planManagedWrites,
  saveManagedEvent,
} from "../store/managed-events-repository.ts";
import { hosts } from "../store/schema.ts";
import { isUniqueViolation } from "../store/sql-errors.ts";
import { sqlExecutorOf } from "../store/sql-executor-of.ts";
import { syncManagedEventReminders } from "./reminder-sync.ts";

export interface ManagedEventsDeps {
  db: Database;
  jobs: JobEngine;
  now: () => Date;
  /** A change of blocking time: cached slots of these hosts are stale. */
  onAvailabilityChanged?: (change: { tenantId: TenantId; hostIds: HostId[] }) => void;
}

export interface ManagedEventsService {
  /** Creates the event, or updates the one with the same externalId (never a duplicate). */
  upsert(params: {
    tenantId: TenantId;
    externalId: string;
    hostIds: HostId[];
    fields: ManagedEventFields;
  }): Promise<{ event: ManagedEventRow; writes: ManagedWriteRow[]; created: boolean }>;
  update(params: {
    tenantId: TenantId;
    id: string;
    hostIds?: HostId[];
    fields: Partial<ManagedEventFields>;
  }): Promise<{ event: ManagedEventRow; writes: ManagedWriteRow[] }>;
  cancel(params: {
    tenantId: TenantId;
    id: string;
    reason: string;
  }): Promise<{ event: ManagedEventRow; writes: ManagedWriteRow[] }>;
}

/**
 * Managed events: each change is checked whole before anything is stored (a bad rule, zone or time is a 400 and
 * nothing is written), then stored with its occurrences, its write intents (one per export-on destination calendar),
 * the write job and its reminder rows, all in one transaction.
 */
export function createManagedEventsService(deps: ManagedEventsDeps): ManagedEventsService {
  const scheduleOf = (fields: ManagedEventFields) => {
    const checked = checkManagedEventSchedule({
      start: fields.startAt,
      end: fields.endAt,
      timeZone: fields.timeZone,
      recurrence: fields.recurrence
        ? {
            rule: fields.recurrence.rule,
            exdates: fields.recurrence.exdates.map((at) => new Date(at)),
            overrides: fields.recurrence.overrides.map((o) => ({
              originalStart: new Date(o.originalStart),
              start: new Date(o.start),
              end: new Date(o.end),
            })),
          }
        : null,
    });
    if (!checked.ok) throw new AppError("validation_failed", checked.message);
    return checked.value;
  };

  async function checkHosts(db: Database, tenantId: TenantId, hostIds: HostId[]): Promise<void> {
    const found = await db
      .select({ id: hosts.id })
      .from(hosts)
      .where(and(eq(hosts.tenantId, tenantId), inArray(hosts.id, hostIds)));
    if (found.length !== new Set(hostIds).size) throw notFound("host");
  }

  async function commit(
    tx: Database,
    event: ManagedEventRow,
    previousHostIds: HostId[],
  ): Promise<{ event: ManagedEventRow; writes: ManagedWriteRow[] }> {
    const now = deps.now();
    const writes = await planManagedWrites(tx, { event, now });
    await syncManagedEventReminders(tx, { event, now });
    if (writes.some((write) => write.state === "pending")) {
      await deps.jobs.insert([managedEventWriteJob({ tenantId: event.tenantId, eventId: event.id })], {
        db: sqlExecutorOf(tx),
      });
    }
    const changed = [...new Set([...previousHostIds, ...event.hostIds])];
    return { event, writes, ...{ changed } };
  }

  const afterCommit = <T extends { event: ManagedEventRow; changed?: HostId[] }>(result: T) => {
    deps.onAvailabilityChanged?.({
      tenantId: result.event.tenantId,
      hostIds: result.changed ?? result.event.hostIds,
    });
    return result;
  };

  return {
    async upsert(params) {
      const schedule = scheduleOf(params.fields);
      const hostIds = [...new Set(params.hostIds)];
      await checkHosts(deps.db, params.tenantId, hostIds);
      const run = () =>
        deps.db.transaction(async (tx) => {
          const existing = await findManagedEventForUpdate(tx, params.tenantId, params.externalId);
          const event = await saveManagedEvent(tx, {
            tenantId: params.tenantId,
            existing,
            externalId: params.externalId,
            fields: params.fields,
            hostIds,
            occurrences: schedule.occurrences,
            now: deps.now(),
          });
          return { ...(await commit(tx, event, existing?.hostIds ?? [])), created: !existing };
        });
      try {
        return afterCommit(await run());
      } catch (error) {
        // Two creates with one externalId at once: the loser finds the winner's row and updates it.
        if (!isUniqueViolation(error)) throw error;
        return afterCommit(await run());
      }
    },

    async update(params) {
      const result = await deps.db.transaction(async (tx) => {
        const current = await getManagedEvent(tx, params.tenantId, params.id);
        if (!current) throw notFound("event");
        const existing = await findManagedEventForUpdate(tx, params.tenantId, current.externalId);
        if (!existing) throw notFound("event");
        const fields: ManagedEventFields = {
          title: params.fields.title ?? existing.title,
          description:
            params.fields.description !== undefined ? params.fields.description : existing.description,
          startAt: params.fields.startAt ?? existing.startAt,
          endAt: params.fields.endAt ?? existing.endAt,
          timeZone: params.fields.timeZone ?? existing.timeZone,
          location: params.fields.location !== undefined ? params.fields.location : existing.location,
          attendees: params.fields.attendees ?? existing.attendees,
          recurrence: params.fields.recurrence !== undefined ? params.fields.recurrence : existing.recurrence,
          blocksAvailability: params.fields.blocksAvailability ?? existing.blocksAvailability,
          metadata: params.fields.metadata ?? existing.metadata,
          calendarChangePolicy:
            params.fields.calendarChangePolicy !== undefined
              ? params.fields.calendarChangePolicy
              : existing.calendarChangePolicy,
          reminders: params.fields.reminders ?? existing.reminders,
        };
        if (existing.status === "cancelled") throw new AppError("conflict", "the event is cancelled");
        const schedule = scheduleOf(fields);
        const hostIds = params.hostIds ? [...new Set(params.hostIds)] : existing.hostIds;
        if (params.hostIds) await checkHosts(tx, params.tenantId, hostIds);
        const event = await saveManagedEvent(tx, {
          tenantId: params.tenantId,
          existing,
          externalId: existing.externalId,
          fields,
          hostIds,
          occurrences: schedule.occurrences,
          now: deps.now(),
        });
        return commit(tx, event, existing.hostIds);
      });
      return afterCommit(result);
    },

    async cancel(params) {
      const result = await deps.db.transaction(async (tx) => {
        const current = await getManagedEvent(tx, params.tenantId, params.id);
        if (!current) throw notFound("event");
        const existing = await findManagedEventForUpdate(tx, params.tenantId, current.externalId);
        if (!existing) throw notFound("event");
        if (existing.status === "cancelled")
          return {
            event: existing,
            writes: await listManagedWrites(tx, [existing.id]),
          };
        const event = await cancelManagedEvent(tx, {
          event: existing,
          reason: params.reason,
          now: deps.now(),
        });
        return commit(tx, event, existing.hostIds);
      });
      return afterCommit(result);
    },
  };
}
