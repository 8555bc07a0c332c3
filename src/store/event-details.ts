import { and, eq, inArray, or, type SQL, sql } from "drizzle-orm";
import type { SourceBusyInterval } from "../core/sync/calendar-source.ts";
import type { Database } from "./database.ts";
import type { TenantId } from "./ids.ts";
import { calendarEventDetails } from "./schema.ts";

/**
 * Agenda import: the details of synced events, beside their busy rows (same connection, calendar, generation and
 * occurrence) and written by the same paths of src/store/busy-cache.ts: a delta upserts and removes them with the
 * served rows, a full listing writes them under its own generation and the swap drops the superseded ones. They are
 * written only while the connection's import switch is on, checked in the writing statement itself (the row locked
 * for share), so a switch turned off in a transaction that also deletes them can never be followed by a late write.
 */
export interface DetailsTarget {
  tenantId: TenantId;
  hostId: string;
  connectionId: string;
  calendarRef: string;
}

const BATCH = 250;

function ofCalendar(target: DetailsTarget, generation: number): SQL {
  return and(
    eq(calendarEventDetails.tenantId, target.tenantId),
    eq(calendarEventDetails.connectionId, target.connectionId),
    eq(calendarEventDetails.calendarRef, target.calendarRef),
    eq(calendarEventDetails.generation, generation),
  ) as SQL;
}

/** Removes the details of some occurrences and whole series (of one generation). */
export async function deleteDetails(
  db: Database,
  target: DetailsTarget & { generation: number; refs: string[]; seriesRefs?: string[] },
): Promise<void> {
  for (let i = 0; i < target.refs.length; i += 1000)
    await db
      .delete(calendarEventDetails)
      .where(
        and(
          ofCalendar(target, target.generation),
          inArray(calendarEventDetails.sourceRef, target.refs.slice(i, i + 1000)),
        ),
      );
  const series = target.seriesRefs ?? [];
  for (let i = 0; i < series.length; i += 1000) {
    const chunk = series.slice(i, i + 1000);
    await db
      .delete(calendarEventDetails)
      .where(
        and(
          ofCalendar(target, target.generation),
          or(inArray(calendarEventDetails.seriesRef, chunk), inArray(calendarEventDetails.sourceRef, chunk)),
        ),
      );
  }
}

/**
 * Applies one page's intervals to the details of a generation: intervals with details (inside the window) are
 * upserted, the rest of the page's refs and the removed ones lose theirs. A page without details and without
 * removals (import off) costs nothing.
 */
export async function writeDetails(
  db: Database,
  params: DetailsTarget & {
    generation: number;
    window: { from: Date; to: Date };
    intervals: SourceBusyInterval[];
    removedRefs?: string[];
    removedSeriesRefs?: string[];
  },
): Promise<void> {
  const { window } = params;
  const withDetails = params.intervals.filter(
    (interval) => interval.details !== undefined && interval.end > window.from && interval.start < window.to,
  );
  const kept = new Set(withDetails.map((interval) => interval.sourceRef));
  // Without any details in the page (import off) only removals are applied.
  const detailed = params.intervals.some((interval) => interval.details !== undefined);
  const gone = [
    ...new Set([
      ...(params.removedRefs ?? []),
      ...(detailed
        ? params.intervals.map((interval) => interval.sourceRef).filter((ref) => !kept.has(ref))
        : []),
    ]),
  ];
  if (gone.length > 0 || (params.removedSeriesRefs?.length ?? 0) > 0)
    await deleteDetails(db, {
      ...params,
      refs: gone,
      ...(params.removedSeriesRefs ? { seriesRefs: params.removedSeriesRefs } : {}),
    });
  for (let i = 0; i < withDetails.length; i += BATCH) {
    const rows = withDetails.slice(i, i + BATCH).map((interval) => {
      const details = interval.details!;
      return {
        source_ref: interval.sourceRef,
        series_ref: interval.seriesRef ?? null,
        title: details.title,
        location: details.location,
        time_zone: details.timeZone,
        organizer: details.organizer,
        attendee_count: details.attendeeCount,
        online_meeting_url: details.onlineMeetingUrl,
        show_as: details.showAs,
        ours: details.ours,
      };
    });
    // The switch is read in the statement, its row locked for share: see the file comment.
    await db.execute(sql`insert into calendar_event_details (tenant_id, host_id, connection_id, calendar_ref,
        generation, source_ref, series_ref, title, location, time_zone, organizer, attendee_count,
        online_meeting_url, show_as, ours)
      select ${params.tenantId}::uuid, ${params.hostId}::uuid, ${params.connectionId}::uuid, ${params.calendarRef},
        ${params.generation}::int, r.source_ref, r.series_ref, r.title, r.location, r.time_zone, r.organizer,
        r.attendee_count, r.online_meeting_url, r.show_as, r.ours
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(source_ref text, series_ref text, title text,
        location text, time_zone text, organizer text, attendee_count int, online_meeting_url text, show_as text,
        ours text)
      where exists (select 1 from calendar_connections c
        where c.id = ${params.connectionId}::uuid and c.import_enabled for share)
      on conflict (connection_id, calendar_ref, generation, source_ref) do update set
        series_ref = excluded.series_ref, title = excluded.title, location = excluded.location,
        time_zone = excluded.time_zone, organizer = excluded.organizer, attendee_count = excluded.attendee_count,
        online_meeting_url = excluded.online_meeting_url, show_as = excluded.show_as, ours = excluded.ours`);
  }
}

/** Drops the details of generations below the served one (after a swap, like dropSupersededRows). */
export async function dropSupersededDetails(
  db: Database,
  target: DetailsTarget & { servedGeneration: number },
): Promise<void> {
  await db.execute(sql`delete from calendar_event_details
    where connection_id = ${target.connectionId}::uuid and calendar_ref = ${target.calendarRef}
      and generation < ${target.servedGeneration}::int and tenant_id = ${target.tenantId}::uuid`);
}

/** Removes the details of a connection (import switched off, disconnected) or of one of its calendars. */
export async function clearDetails(
  db: Database,
  params: { tenantId: TenantId; connectionId: string; calendarRef?: string },
): Promise<void> {
  const conditions = [
    eq(calendarEventDetails.tenantId, params.tenantId),
    eq(calendarEventDetails.connectionId, params.connectionId),
  ];
  if (params.calendarRef !== undefined)
    conditions.push(eq(calendarEventDetails.calendarRef, params.calendarRef));
  await db.delete(calendarEventDetails).where(and(...conditions));
}
