import { and, eq, gt, inArray, isNull, lt, or, type SQL, sql } from "drizzle-orm";
import type { BusyStatus } from "../core/availability/request-schema.ts";
import type { SourceBusyInterval } from "../core/sync/calendar-source.ts";
import { allDayRangeMs } from "../core/time/all-day-range.ts";
import type { Database } from "./database.ts";
import { type HostId, newId, type TenantId } from "./ids.ts";
import { busyIntervals, hosts } from "./schema.ts";

/**
 * The busy cache, by event: rows keyed by connection, calendar and the provider's occurrence (`sourceRef`), with the
 * series they belong to, so a delta replaces or removes single events. A full listing is written as *staged* rows
 * beside the live ones and swapped in by `swapStagedRows` in one transaction with the cursor: readers see the old set
 * until the new one is complete (sync-failure-modes.md #4), and a listing interrupted half way resumes where it
 * stopped. Availability reads live rows only. Writers return how many rows they changed, so that a sync that
 * finds no change can be seen to write nothing.
 */
export type { BusyStatus };

export interface BusyInterval {
  start: Date;
  end: Date;
  status: BusyStatus;
  sourceRef: string;
}

export interface BusyTarget {
  tenantId: TenantId;
  hostId: HostId;
  connectionId: string;
  calendarRef: string;
  /** A room's address: its busy time is kept as a calendar of its own (see resource in schema.ts). */
  resource?: string;
}

type Window = { from: Date; to: Date };

const CHUNK = 1000;
/**
 * Rows per statement when a whole listing is written or swapped, with a turn of the event loop between statements:
 * PGlite runs on the main thread, and one statement over 25k rows (or building its SQL) stalls every request.
 */
const WRITE_BATCH = 250;

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function rowsOf(target: BusyTarget, intervals: SourceBusyInterval[], window: Window, staged: boolean) {
  // Timed intervals are clipped to the window so a later listing owns exactly what it wrote; all-day rows keep their
  // dates (the envelope only finds them).
  return intervals
    .filter((interval) => interval.end > window.from && interval.start < window.to)
    .map((interval) => ({
      id: newId(),
      tenantId: target.tenantId,
      hostId: target.hostId,
      connectionId: target.connectionId,
      calendarRef: target.calendarRef,
      startAt: interval.allDay
        ? interval.start
        : new Date(Math.max(interval.start.getTime(), window.from.getTime())),
      endAt: interval.allDay ? interval.end : new Date(Math.min(interval.end.getTime(), window.to.getTime())),
      status: interval.status,
      sourceRef: interval.sourceRef,
      seriesRef: interval.seriesRef ?? null,
      etag: interval.etag ?? null,
      allDayStart: interval.allDay?.startDate ?? null,
      allDayEnd: interval.allDay?.endDate ?? null,
      bookingId: interval.bookingId ?? null,
      resource: target.resource ?? null,
      staged,
    }));
}

function ofCalendar(target: BusyTarget, staged: boolean): SQL {
  return and(
    eq(busyIntervals.tenantId, target.tenantId),
    eq(busyIntervals.connectionId, target.connectionId),
    eq(busyIntervals.calendarRef, target.calendarRef),
    eq(busyIntervals.staged, staged),
  ) as SQL;
}

/**
 * The rows of a batch travel as one jsonb parameter, expanded by jsonb_to_recordset: no per-value parameter building
 * (Drizzle's multi-row VALUES binds 15 parameters a row, ~40 µs of main thread each, the largest stall of a big
 * listing). Columns the rows of a batch share are plain parameters.
 */
function rowsJson(rows: BusyRowValues[]): string {
  return JSON.stringify(
    rows.map((row) => ({
      id: row.id,
      start_at: row.startAt.toISOString(),
      end_at: row.endAt.toISOString(),
      status: row.status,
      source_ref: row.sourceRef,
      series_ref: row.seriesRef,
      etag: row.etag,
      all_day_start: row.allDayStart,
      all_day_end: row.allDayEnd,
      booking_id: row.bookingId,
    })),
  );
}

function insertStatement(target: BusyTarget, staged: boolean, rows: BusyRowValues[]): SQL {
  return sql`insert into busy_intervals (id, tenant_id, host_id, connection_id, calendar_ref, resource, start_at,
      end_at, status, source_ref, series_ref, etag, all_day_start, all_day_end, booking_id, staged)
    select r.id, ${target.tenantId}::uuid, ${target.hostId}::uuid, ${target.connectionId}::uuid, ${target.calendarRef},
      ${target.resource ?? null}::text, r.start_at, r.end_at, r.status, r.source_ref, r.series_ref, r.etag,
      r.all_day_start, r.all_day_end, r.booking_id, ${staged}
    from jsonb_to_recordset(${rowsJson(rows)}::jsonb) as r(id uuid, start_at timestamptz, end_at timestamptz,
      status text, source_ref text, series_ref text, etag text, all_day_start date, all_day_end date, booking_id uuid)`;
}

async function insertRows(
  db: Database,
  target: BusyTarget,
  staged: boolean,
  rows: BusyRowValues[],
): Promise<number> {
  for (let i = 0; i < rows.length; i += WRITE_BATCH) {
    if (i > 0) await nextTurn();
    await db.execute(insertStatement(target, staged, rows.slice(i, i + WRITE_BATCH)));
  }
  return rows.length;
}

/** Inserts intervals as rows a batch at a time: the rows of a 50k-event listing never exist all at once. */
async function insertIntervals(
  db: Database,
  params: BusyTarget & { window: Window; intervals: SourceBusyInterval[]; staged: boolean },
): Promise<number> {
  let written = 0;
  for (let i = 0; i < params.intervals.length; i += WRITE_BATCH) {
    if (i > 0) await nextTurn();
    const rows = rowsOf(params, params.intervals.slice(i, i + WRITE_BATCH), params.window, params.staged);
    await db.execute(insertStatement(params, params.staged, rows));
    written += rows.length;
  }
  return written;
}

/** Runs a statement over at most WRITE_BATCH rows until it touches fewer; returns how many it touched. */
async function inBatches(step: () => Promise<unknown[]>): Promise<number> {
  let total = 0;
  for (;;) {
    const touched = (await step()).length;
    total += touched;
    if (touched < WRITE_BATCH) return total;
    await nextTurn();
  }
}

/** Deletes the rows of some occurrences and series (live or staged); returns how many went. */
async function deleteRefs(
  db: Database,
  target: BusyTarget,
  staged: boolean,
  refs: string[],
  seriesRefs: string[],
): Promise<number> {
  let deleted = 0;
  for (let i = 0; i < refs.length; i += CHUNK) {
    const rows = await db
      .delete(busyIntervals)
      .where(and(ofCalendar(target, staged), inArray(busyIntervals.sourceRef, refs.slice(i, i + CHUNK))))
      .returning({ id: busyIntervals.id });
    deleted += rows.length;
  }
  for (let i = 0; i < seriesRefs.length; i += CHUNK) {
    const chunk = seriesRefs.slice(i, i + CHUNK);
    const rows = await db
      .delete(busyIntervals)
      .where(
        and(
          ofCalendar(target, staged),
          or(inArray(busyIntervals.seriesRef, chunk), inArray(busyIntervals.sourceRef, chunk)),
        ),
      )
      .returning({ id: busyIntervals.id });
    deleted += rows.length;
  }
  return deleted;
}

/** Starts a new full listing of a calendar: whatever an earlier, abandoned listing staged is dropped. */
export async function discardStagedRows(db: Database, target: BusyTarget): Promise<number> {
  const rows = await db
    .delete(busyIntervals)
    .where(ofCalendar(target, true))
    .returning({ id: busyIntervals.id });
  return rows.length;
}

/**
 * Adds one page of a full listing to the staged set (a replayed event replaces its earlier copy); for a page of a
 * provider's size the removal of earlier copies and the insert are one statement.
 */
export async function stageRows(
  db: Database,
  params: BusyTarget & {
    window: Window;
    intervals: SourceBusyInterval[];
    removedRefs?: string[];
    removedSeriesRefs?: string[];
    /**
     * The refs staged so far (see `listStagedRefs`), kept by the caller across the pages of one listing: only
     * replayed refs are then looked for, instead of every ref of the page among all staged rows. Updated here.
     */
    stagedRefs?: Set<string>;
  },
): Promise<number> {
  const known = params.stagedRefs;
  const refs = [
    ...new Set([...params.intervals.map((interval) => interval.sourceRef), ...(params.removedRefs ?? [])]),
  ].filter((ref) => known === undefined || known.has(ref));
  if (known) {
    for (const ref of params.removedRefs ?? []) known.delete(ref);
    for (const interval of params.intervals) known.add(interval.sourceRef);
  }
  let deleted = await deleteRefs(db, params, true, [], params.removedSeriesRefs ?? []);
  if (refs.length > 0 && (refs.length > WRITE_BATCH || params.intervals.length > WRITE_BATCH))
    deleted += await deleteRefs(db, params, true, refs, []);
  if (refs.length === 0 || refs.length > WRITE_BATCH || params.intervals.length > WRITE_BATCH)
    return deleted + (await insertIntervals(db, { ...params, staged: true }));
  const rows = rowsOf(params, params.intervals, params.window, true);
  // The CTEs see the same snapshot: the delete removes earlier copies only, never the rows inserted beside it.
  const result = await db.execute(sql`with gone as (
      delete from busy_intervals
      where tenant_id = ${params.tenantId}::uuid and connection_id = ${params.connectionId}::uuid
        and calendar_ref = ${params.calendarRef} and staged
        and source_ref = any(array(select jsonb_array_elements_text(${JSON.stringify(refs)}::jsonb)))
      returning 1
    ), added as (${rows.length > 0 ? sql`${insertStatement(params, true, rows)} returning 1` : sql`select 1 where false`})
    select (select count(*) from gone)::int as deleted, (select count(*) from added)::int as added`);
  const counts = (result as unknown as { rows: Array<{ deleted: number; added: number }> }).rows[0]!;
  return deleted + counts.deleted + counts.added;
}

/** The refs of a calendar's staged rows: a run that resumes a listing started elsewhere learns what is staged. */
export async function listStagedRefs(db: Database, target: BusyTarget): Promise<Set<string>> {
  const rows = await db
    .select({ sourceRef: busyIntervals.sourceRef })
    .from(busyIntervals)
    .where(ofCalendar(target, true));
  return new Set(rows.map((row) => row.sourceRef));
}

/** The listing is complete: the staged set replaces the live rows of the calendar. Call inside a transaction. */
export async function swapStagedRows(db: Database, target: BusyTarget): Promise<number> {
  const batchOf = (staged: boolean) =>
    db
      .select({ id: busyIntervals.id })
      .from(busyIntervals)
      .where(ofCalendar(target, staged))
      .limit(WRITE_BATCH);
  const removed = await inBatches(() =>
    db
      .delete(busyIntervals)
      .where(inArray(busyIntervals.id, batchOf(false)))
      .returning({ id: busyIntervals.id }),
  );
  const promoted = await inBatches(() =>
    db
      .update(busyIntervals)
      .set({ staged: false })
      .where(inArray(busyIntervals.id, batchOf(true)))
      .returning({ id: busyIntervals.id }),
  );
  return removed + promoted;
}

type BusyRowValues = ReturnType<typeof rowsOf>[number];

/** What makes two rows the same busy time (ids and write order aside). */
function signature(row: {
  startAt: Date;
  endAt: Date;
  status: string;
  seriesRef: string | null;
  allDayStart: string | null;
  allDayEnd: string | null;
  bookingId: string | null;
}): string {
  return [
    row.startAt.getTime(),
    row.endAt.getTime(),
    row.status,
    row.seriesRef ?? "",
    row.allDayStart ?? "",
    row.allDayEnd ?? "",
    row.bookingId ?? "",
  ].join("|");
}

/**
 * Drops upserts whose rows equal what is stored: providers replay changes (the same event in several pages or
 * rounds), and a replay must not rewrite anything.
 */
async function withoutReplays(
  db: Database,
  target: BusyTarget,
  rows: BusyRowValues[],
): Promise<BusyRowValues[]> {
  if (rows.length === 0) return rows;
  const refs = [...new Set(rows.map((row) => row.sourceRef))];
  const stored = new Map<string, string[]>();
  for (let i = 0; i < refs.length; i += CHUNK) {
    const found = await db
      .select()
      .from(busyIntervals)
      .where(and(ofCalendar(target, false), inArray(busyIntervals.sourceRef, refs.slice(i, i + CHUNK))));
    for (const row of found)
      stored.set(row.sourceRef, [...(stored.get(row.sourceRef) ?? []), signature(row)]);
  }
  const incoming = new Map<string, string[]>();
  for (const row of rows)
    incoming.set(row.sourceRef, [...(incoming.get(row.sourceRef) ?? []), signature(row)]);
  const same = new Set(
    [...incoming]
      .filter(([ref, list]) => stored.get(ref)?.sort().join("\n") === list.sort().join("\n"))
      .map(([ref]) => ref),
  );
  return rows.filter((row) => !same.has(row.sourceRef));
}

/** Applies a page of changes to the live rows: changed events replace their rows, removed ones go. */
export async function applyDeltaRows(
  db: Database,
  params: BusyTarget & {
    window: Window;
    upserts: SourceBusyInterval[];
    removedRefs?: string[];
    removedSeriesRefs?: string[];
  },
): Promise<number> {
  const rows = await withoutReplays(db, params, rowsOf(params, params.upserts, params.window, false));
  // An upsert that now falls outside the window still removes its old rows.
  const upserted = new Set(rows.map((row) => row.sourceRef));
  const unchanged = new Set(
    params.upserts.map((interval) => interval.sourceRef).filter((ref) => !upserted.has(ref)),
  );
  const inWindow = new Set(rowsOf(params, params.upserts, params.window, false).map((row) => row.sourceRef));
  const refs = [
    ...new Set([
      ...upserted,
      ...[...unchanged].filter((ref) => !inWindow.has(ref)),
      ...(params.removedRefs ?? []),
    ]),
  ];
  const deleted = await deleteRefs(db, params, false, refs, params.removedSeriesRefs ?? []);
  return deleted + (await insertRows(db, params, false, rows));
}

/** Replaces the live rows of a calendar that overlap a window (seeding in tests and benchmarks). */
export async function replaceBusyWindow(
  db: Database,
  params: BusyTarget & { window: Window; intervals: BusyInterval[] },
): Promise<{ written: number }> {
  const rows = rowsOf(params, params.intervals, params.window, false);
  await db.transaction(async (tx) => {
    await tx
      .delete(busyIntervals)
      .where(
        and(
          ofCalendar(params, false),
          lt(busyIntervals.startAt, params.window.to),
          gt(busyIntervals.endAt, params.window.from),
        ),
      );
    await insertRows(tx, params, false, rows);
  });
  return { written: rows.length };
}

export async function clearBusyForConnection(
  db: Database,
  params: { tenantId: TenantId; connectionId: string; calendarRef?: string },
): Promise<number> {
  const conditions = [
    eq(busyIntervals.tenantId, params.tenantId),
    eq(busyIntervals.connectionId, params.connectionId),
  ];
  if (params.calendarRef !== undefined) conditions.push(eq(busyIntervals.calendarRef, params.calendarRef));
  const rows = await db
    .delete(busyIntervals)
    .where(and(...conditions))
    .returning({ id: busyIntervals.id });
  return rows.length;
}

/** Live busy time of some hosts over a range; all-day rows become time in their host's zone. */
export async function readBusy(
  db: Database,
  params: { tenantId: TenantId; hostIds: HostId[]; from: Date; to: Date },
): Promise<Array<BusyInterval & { hostId: HostId; connectionId: string }>> {
  if (params.hostIds.length === 0) return [];
  const rows = await db
    .select({ row: busyIntervals, hostTimeZone: hosts.timeZone })
    .from(busyIntervals)
    .innerJoin(hosts, eq(hosts.id, busyIntervals.hostId))
    .where(
      and(
        eq(busyIntervals.tenantId, params.tenantId),
        inArray(busyIntervals.hostId, params.hostIds),
        eq(busyIntervals.staged, false),
        // Rooms' busy time is not the host's.
        isNull(busyIntervals.resource),
        lt(busyIntervals.startAt, params.to),
        gt(busyIntervals.endAt, params.from),
      ),
    );
  return rows.flatMap(({ row, hostTimeZone }) => {
    let start = row.startAt;
    let end = row.endAt;
    if (row.allDayStart && row.allDayEnd) {
      const range = allDayRangeMs({
        startDate: row.allDayStart,
        endDate: row.allDayEnd,
        timeZone: hostTimeZone,
      });
      if (!range) return [];
      start = new Date(range.startMs);
      end = new Date(range.endMs);
      if (end <= params.from || start >= params.to) return [];
    }
    return [
      {
        hostId: row.hostId as HostId,
        connectionId: row.connectionId,
        start,
        end,
        status: row.status as BusyStatus,
        sourceRef: row.sourceRef,
      },
    ];
  });
}
