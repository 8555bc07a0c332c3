import { and, eq, gt, inArray, lt } from "drizzle-orm";
import type { BusyStatus } from "../core/availability/request-schema.ts";
import type { Database } from "./database.ts";
import { type HostId, newId, type TenantId } from "./ids.ts";
import { busyIntervals } from "./schema.ts";

/**
 * The busy cache's internal API: calendar integrations write through `replaceBusyWindow`, availability reads with
 * `readBusy`. A window is replaced in one transaction, so readers see either the old set or the new one, never a
 * half-written calendar (sync-failure-modes.md #4: keep serving the old rows until the new set commits).
 */
export type { BusyStatus };

export interface BusyInterval {
  start: Date;
  end: Date;
  status: BusyStatus;
  sourceRef: string;
}

export async function replaceBusyWindow(
  db: Database,
  params: {
    tenantId: TenantId;
    hostId: HostId;
    connectionId: string;
    calendarRef: string;
    window: { from: Date; to: Date };
    intervals: BusyInterval[];
  },
): Promise<{ written: number }> {
  const { window } = params;
  // Intervals are clipped to the window so that a later window replace owns exactly what it wrote.
  const rows = params.intervals
    .filter((interval) => interval.end > window.from && interval.start < window.to)
    .map((interval) => ({
      id: newId(),
      tenantId: params.tenantId,
      hostId: params.hostId,
      connectionId: params.connectionId,
      calendarRef: params.calendarRef,
      startAt: new Date(Math.max(interval.start.getTime(), window.from.getTime())),
      endAt: new Date(Math.min(interval.end.getTime(), window.to.getTime())),
      status: interval.status,
      sourceRef: interval.sourceRef,
    }));
  await db.transaction(async (tx) => {
    await tx
      .delete(busyIntervals)
      .where(
        and(
          eq(busyIntervals.tenantId, params.tenantId),
          eq(busyIntervals.connectionId, params.connectionId),
          eq(busyIntervals.calendarRef, params.calendarRef),
          lt(busyIntervals.startAt, window.to),
          gt(busyIntervals.endAt, window.from),
        ),
      );
    for (let i = 0; i < rows.length; i += 1000)
      await tx.insert(busyIntervals).values(rows.slice(i, i + 1000));
  });
  return { written: rows.length };
}

export async function clearBusyForConnection(
  db: Database,
  params: { tenantId: TenantId; connectionId: string },
): Promise<void> {
  await db
    .delete(busyIntervals)
    .where(
      and(eq(busyIntervals.tenantId, params.tenantId), eq(busyIntervals.connectionId, params.connectionId)),
    );
}

export async function readBusy(
  db: Database,
  params: { tenantId: TenantId; hostIds: HostId[]; from: Date; to: Date },
): Promise<Array<BusyInterval & { hostId: HostId; connectionId: string }>> {
  if (params.hostIds.length === 0) return [];
  const rows = await db
    .select()
    .from(busyIntervals)
    .where(
      and(
        eq(busyIntervals.tenantId, params.tenantId),
        inArray(busyIntervals.hostId, params.hostIds),
        lt(busyIntervals.startAt, params.to),
        gt(busyIntervals.endAt, params.from),
      ),
    );
  return rows.map((row) => ({
    hostId: row.hostId as HostId,
    connectionId: row.connectionId,
    start: row.startAt,
    end: row.endAt,
    status: row.status as BusyStatus,
    sourceRef: row.sourceRef,
  }));
}
