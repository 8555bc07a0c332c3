import { and, eq, gt, inArray, isNull, lt, or, type SQL, sql } from "drizzle-orm";
import type { BusyStatus } from "../core/availability/request-schema.ts";
import type { SourceBusyInterval } from "../core/sync/calendar-source.ts";
import { allDayRangeMs } from "../core/time/all-day-range.ts";
import type { Database } from "./database.ts";
import { clearDetails, dropSupersededDetails, writeDetails } from "./event-details.ts";
import { type HostId, newId, type TenantId } from "./ids.ts";
import { busyIntervals, calendarSyncStates, hosts } from "./schema.ts";

/**
 * The busy cache, by event: rows keyed by connection, calendar and the provider's occurrence (`sourceRef`), with the
 * series they belong to, so a delta replaces or removes single events. Rows carry their calendar's *generation*: a
 * full listing is written under a new generation beside the served one (in small transactions), and the sync engine
 * swaps it in by updating the calendar's `busy_generation` (one row, in the transaction of the last page's cursor);
 * the superseded rows are then deleted in small batches (`dropSupersededRows`). Readers see the old set until the
 * new one is complete (sync-failure-modes.md #4), a listing interrupted half way resumes where it stopped, and what a
 * crash leaves of an unfinished generation is never served and goes with the next swap. Availability reads the
 * served generation only (`servedGeneration`). Writers return how many rows they changed, so that a sync that finds
 * no change can be seen to write nothing.
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
/** Rows of a full listing per transaction (see src/sync/stage-listing.ts). */
export const LISTING_TRANSACTION_ROWS = WRITE_BATCH;

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * The readers' filter: a row is served only when it belongs to its calendar's live generation (0 for a calendar
 * without sync state: rows seeded by `replaceBusyWindow`, rooms). Written with literal table names on purpose: it is
 * embedded in selects where Drizzle leaves columns unqualified, and must not mean the subquery's own columns.
 */
export const servedGeneration: SQL = sql.raw(`busy_intervals.generation = coalesce((
    select served.busy_generation from calendar_sync_states served
     where served.connection_id = busy_intervals.connection_id and served.calendar_ref = busy_intervals.calendar_ref
  ), 0)`);

function rowsOf(target: BusyTarget, intervals: SourceBusyInterval[], window: Window, generation: number) {
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
      generation,
    }));
}

function ofCalendar(target: BusyTarget, generation: number): SQL {
  return and(
    eq(busyIntervals.tenantId, target.tenantId),
    eq(busyIntervals.connectionId, target.connectionId),
    eq(busyIntervals.calendarRef, target.calendarRef),
    eq(busyIntervals.generation, generation),
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

function insertStatement(target: BusyTarget, generation: number, rows: BusyRowValues[]): SQL {
  return sql`insert into busy_intervals (id, tenant_id, host_id, connection_id, calendar_ref, resource, start_at,
      end_at, status, source_ref, series_ref, etag, all_day_start, all_day_end, booking_id, generation)
    select r.id, ${target.tenantId}::uuid, ${target.hostId}::uuid, ${target.connectionId}::uuid, ${target.calendarRef},
      ${target.resource ?? null}::text, r.start_at, r.end_at, r.status, r.source_ref, r.series_ref, r.etag,
      r.all_day_start, r.all_day_end, r.booking_id, ${generation}::int
    from jsonb_to_recordset(${rowsJson(rows)}::jsonb) as r(id uuid, start_at timestamptz, end_at timestamptz,
      status text, source_ref text, series_ref text, etag text, all_day_start date, all_day_end date, booking_id uuid)`;
}

async function insertRows(
  db: Database,
  target: BusyTarget,
  generation: number,
  rows: BusyRowValues[],
): Promise<number> {
  for (let i = 0; i < rows.length; i += WRITE_BATCH) {
    if (i > 0) await nextTurn();
    await db.execute(insertStatement(target, generation, rows.slice(i, i + WRITE_BATCH)));
  }
  return rows.length;
}

/** Inserts intervals as rows a batch at a time: the rows of a 50k-event listing never exist all at once. */
async function insertIntervals(
  db: Database,
  params: BusyTarget & { window: Window; intervals: SourceBusyInterval[]; generation: number },
): Promise<number> {
  let written = 0;
  for (let i = 0; i < params.intervals.length; i += WRITE_BATCH) {
    if (i > 0) await nextTurn();
    const rows = rowsOf(params, params.intervals.slice(i, i + WRITE_BATCH), params.window, params.generation);
    await db.execute(insertStatement(params, params.generation, rows));
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

/** Deletes the rows of some occurrences and series (of one generation); returns how many went. */
async function deleteRefs(
  db: Database,
  target: BusyTarget,
  generation: number,
  refs: string[],
  seriesRefs: string[],
): Promise<number> {
  let deleted = 0;
  for (let i = 0; i < refs.length; i += CHUNK) {
    const rows = await db
      .delete(busyIntervals)
      .where(and(ofCalendar(target, generation), inArray(busyIntervals.sourceRef, refs.slice(i, i + CHUNK))))
      .returning({ id: busyIntervals.id });
    deleted += rows.length;
  }
  for (let i = 0; i < seriesRefs.length; i += CHUNK) {
    const chunk = seriesRefs.slice(i, i + CHUNK);
    const rows = await db
      .delete(busyIntervals)
      .where(
        and(
          ofCalendar(target, generation),
          or(inArray(busyIntervals.seriesRef, chunk), inArray(busyIntervals.sourceRef, chunk)),
        ),
      )
      .returning({ id: busyIntervals.id });
    deleted += rows.length;
  }
  return deleted;
}

/**
 * Deletes a calendar's rows of every generation below the served one (superseded listings, and what an abandoned
 * listing left), a batch per statement and transaction with a turn of the event loop between them: PGlite runs on
 * the main thread. Call after the swap, outside a transaction; a crash half way leaves rows that are never served and
 * go with the next swap. Returns how many went.
 */
export async function dropSupersededRows(
  db: Database,
  target: BusyTarget & { servedGeneration: number },
): Promise<number> {
  await dropSupersededDetails(db, target);
  return inBatches(async () => {
    const result = await db.execute(sql`delete from busy_intervals where id in (
        select id from busy_intervals
         where connection_id = ${target.connectionId}::uuid and calendar_ref = ${target.calendarRef}
           and generation < ${target.servedGeneration}::int and tenant_id = ${target.tenantId}::uuid
         limit ${WRITE_BATCH}::int)
      returning 1`);
    return (result as unknown as { rows: unknown[] }).rows;
  });
}

/**
 * Adds one page of a full listing to the generation being written (a replayed event replaces its earlier copy); for
 * a page of a provider's size the removal of earlier copies and the insert are one statement.
 */
export async function stageRows(db: Database, params: StageParams): Promise<number> {
  const written = await stageBusyRows(db, params);
  // The details of the page go under the same generation (agenda import; nothing when the page has none).
  if (params.resource === undefined)
    await writeDetails(db, {
      ...params,
      ...(params.removedRefs ? { removedRefs: params.removedRefs } : {}),
      ...(params.removedSeriesRefs ? { removedSeriesRefs: params.removedSeriesRefs } : {}),
    });
  return written;
}

type StageParams = BusyTarget & {
  /** The generation of the listing (never the served one). */
  generation: number;
  window: Window;
  intervals: SourceBusyInterval[];
  removedRefs?: string[];
  removedSeriesRefs?: string[];
  /**
   * The refs staged so far (see `listStagedRefs`), kept by the caller across the pages of one listing: only
   * replayed refs are then looked for, instead of every ref of the page among all staged rows. Updated here.
   */
  stagedRefs?: Set<string>;
};

async function stageBusyRows(db: Database, params: StageParams): Promise<number> {
  const known = params.stagedRefs;
  const refs = [
    ...new Set([...params.intervals.map((interval) => interval.sourceRef), ...(params.removedRefs ?? [])]),
  ].filter((ref) => known === undefined || known.has(ref));
  if (known) {
    for (const ref of params.removedRefs ?? []) known.delete(ref);
    for (const interval of params.intervals) known.add(interval.sourceRef);
  }
  let deleted = await deleteRefs(db, params, params.generation, [], params.removedSeriesRefs ?? []);
  if (refs.length > 0 && (refs.length > WRITE_BATCH || params.intervals.length > WRITE_BATCH))
    deleted += await deleteRefs(db, params, params.generation, refs, []);
  if (refs.length === 0 || refs.length > WRITE_BATCH || params.intervals.length > WRITE_BATCH)
    return deleted + (await insertIntervals(db, params));
  const rows = rowsOf(params, params.intervals, params.window, params.generation);
  // The CTEs see the same snapshot: the delete removes earlier copies only, never the rows inserted beside it.
  const result = await db.execute(sql`with gone as (
      delete from busy_intervals
      where tenant_id = ${params.tenantId}::uuid and connection_id = ${params.connectionId}::uuid
        and calendar_ref = ${params.calendarRef} and generation = ${params.generation}::int
        and source_ref = any(array(select jsonb_array_elements_text(${JSON.stringify(refs)}::jsonb)))
      returning 1
    ), added as (${rows.length > 0 ? sql`${insertStatement(params, params.generation, rows)} returning 1` : sql`select 1 where false`})
    select (select count(*) from gone)::int as deleted, (select count(*) from added)::int as added`);
  const counts = (result as unknown as { rows: Array<{ deleted: number; added: number }> }).rows[0]!;
  return deleted + counts.deleted + counts.added;
}

/** The refs a listing has written so far: a run that resumes a listing started elsewhere learns what is staged. */
export async function listStagedRefs(
  db: Database,
  target: BusyTarget & { generation: number },
): Promise<Set<string>> {
  const rows = await db
    .select({ sourceRef: busyIntervals.sourceRef })
    .from(busyIntervals)
    .where(ofCalendar(target, target.generation));
  return new Set(rows.map((row) => row.sourceRef));
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
  target: BusyTarget & { generation: number },
  rows: BusyRowValues[],
): Promise<BusyRowValues[]> {
  if (rows.length === 0) return rows;
  const refs = [...new Set(rows.map((row) => row.sourceRef))];
  const stored = new Map<string, string[]>();
  for (let i = 0; i < refs.length; i += CHUNK) {
    const found = await db
      .select()
      .from(busyIntervals)
      .where(
        and(
          ofCalendar(target, target.generation),
          inArray(busyIntervals.sourceRef, refs.slice(i, i + CHUNK)),
        ),
      );
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

/** Applies a page of changes to the served rows: changed events replace their rows, removed ones go. */
export async function applyDeltaRows(
  db: Database,
  params: BusyTarget & {
    /** The served generation of the calendar. */
    generation: number;
    window: Window;
    upserts: SourceBusyInterval[];
    removedRefs?: string[];
    removedSeriesRefs?: string[];
  },
): Promise<number> {
  // A removed series takes all its rows (CalDAV: every occurrence of a changed resource), so its occurrences that
  // come back unchanged are written again: dropped as replays, they would be lost with the rest of the series.
  const removedSeries = new Set(params.removedSeriesRefs ?? []);
  const all = rowsOf(params, params.upserts, params.window, params.generation);
  const inRemovedSeries = (row: BusyRowValues) =>
    removedSeries.has(row.sourceRef) || (row.seriesRef !== null && removedSeries.has(row.seriesRef));
  const rows = [
    ...all.filter(inRemovedSeries),
    ...(await withoutReplays(
      db,
      params,
      all.filter((row) => !inRemovedSeries(row)),
    )),
  ];
  // An upsert that now falls outside the window still removes its old rows.
  const upserted = new Set(rows.map((row) => row.sourceRef));
  const unchanged = new Set(
    params.upserts.map((interval) => interval.sourceRef).filter((ref) => !upserted.has(ref)),
  );
  const inWindow = new Set(
    rowsOf(params, params.upserts, params.window, params.generation).map((row) => row.sourceRef),
  );
  const refs = [
    ...new Set([
      ...upserted,
      ...[...unchanged].filter((ref) => !inWindow.has(ref)),
      ...(params.removedRefs ?? []),
    ]),
  ];
  const deleted = await deleteRefs(db, params, params.generation, refs, params.removedSeriesRefs ?? []);
  const written = deleted + (await insertRows(db, params, params.generation, rows));
  // Details follow every upsert, also one whose busy time did not change (a new title is a change to them).
  if (params.resource === undefined)
    await writeDetails(db, {
      ...params,
      intervals: params.upserts,
      ...(params.removedRefs ? { removedRefs: params.removedRefs } : {}),
      ...(params.removedSeriesRefs ? { removedSeriesRefs: params.removedSeriesRefs } : {}),
    });
  return written;
}

/** Replaces the live rows of a calendar that overlap a window (seeding in tests and benchmarks). */
export async function replaceBusyWindow(
  db: Database,
  params: BusyTarget & { window: Window; intervals: BusyInterval[] },
): Promise<{ written: number }> {
  let rows: BusyRowValues[] = [];
  await db.transaction(async (tx) => {
    // The calendar's served generation (0 when it has no sync state: rooms, seeded calendars).
    const [state] = await tx
      .select({ generation: calendarSyncStates.busyGeneration })
      .from(calendarSyncStates)
      .where(
        and(
          eq(calendarSyncStates.connectionId, params.connectionId),
          eq(calendarSyncStates.calendarRef, params.calendarRef),
        ),
      );
    const generation = state?.generation ?? 0;
    rows = rowsOf(params, params.intervals, params.window, generation);
    await tx
      .delete(busyIntervals)
      .where(
        and(
          ofCalendar(params, generation),
          lt(busyIntervals.startAt, params.window.to),
          gt(busyIntervals.endAt, params.window.from),
        ),
      );
    await insertRows(tx, params, generation, rows);
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
  await clearDetails(db, params);
  const rows = await db
    .delete(busyIntervals)
    .where(and(...conditions))
    .returning({ id: busyIntervals.id });
  return rows.length;
}

/**
 * A row's time: all-day rows' dates become time in the host's zone at read time, so a host who moves zone needs no
 * resync (#12). Null for unreadable dates.
 */
export function timeOfRow(
  row: { startAt: Date; endAt: Date; allDayStart: string | null; allDayEnd: string | null },
  hostTimeZone: string,
): { start: Date; end: Date } | null {
  if (!row.allDayStart || !row.allDayEnd) return { start: row.startAt, end: row.endAt };
  const range = allDayRangeMs({ startDate: row.allDayStart, endDate: row.allDayEnd, timeZone: hostTimeZone });
  return range ? { start: new Date(range.startMs), end: new Date(range.endMs) } : null;
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
        // Only the calendar's served generation (see servedGeneration).
        servedGeneration,
        // Rooms' busy time is not the host's.
        isNull(busyIntervals.resource),
        lt(busyIntervals.startAt, params.to),
        gt(busyIntervals.endAt, params.from),
      ),
    );
  return rows.flatMap(({ row, hostTimeZone }) => {
    const span = timeOfRow(row, hostTimeZone);
    if (!span || span.end <= params.from || span.start >= params.to) return [];
    const { start, end } = span;
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
