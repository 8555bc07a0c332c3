import type { CalendarSource, SourceError } from "../core/sync/calendar-source.ts";
import type { BookingRow } from "../store/bookings-repository.ts";
import {
  type CalendarWriteRow,
  listCalendarWrites,
  updateCalendarWrite,
} from "../store/calendar-writes-repository.ts";
import type { Database } from "../store/database.ts";
import type { HostVersions } from "../sync/two-way-sync.ts";

/**
 * An update refused because the host changed the event since our last write (CalDAV 412 on If-Match: `conflict`)
 * is not overwritten and does not fail the write: the event is read again and the host's version goes through the
 * platform's two-way rules, as a sync would apply it. Deleted or cancelled there: the booking is cancelled. Moved:
 * the booking is rescheduled to it, or, when that time is taken, keeps its time with the row flagged and the tenant
 * told (`booking.calendar_sync_failed`). Same times (the host edited something else): the booking stands. The
 * row then settles on the host's version, so the next sync sees it as already applied.
 * Answers undefined when the event could be read and the rules applied, or the read's failure (retried as usual).
 */
export async function applyHostVersionAfterConflict(params: {
  db: Database;
  hostVersions: HostVersions;
  source: CalendarSource;
  booking: BookingRow;
  row: CalendarWriteRow & { providerEventRef: string };
  contentHash: string;
  now: () => Date;
}): Promise<SourceError | undefined> {
  const { row, source } = params;
  if (!source.readEvent) return { kind: "conflict", message: "the event changed in the calendar meanwhile" };
  const read = await source.readEvent({ calendarRef: row.calendarRef, eventRef: row.providerEventRef });
  if (!read.ok) return read.error;
  await params.hostVersions.applyHostVersion({ row, provider: source.provider, event: read.value });
  // A reschedule or cancellation from the calendar settled the row already; otherwise it settles here.
  const [current] = (
    await listCalendarWrites(params.db, params.booking.tenantId, [params.booking.id])
  ).filter((candidate) => candidate.connectionId === row.connectionId);
  if (current?.state !== "pending") return undefined;
  await updateCalendarWrite(params.db, row, {
    state: "written",
    lastError: null,
    contentHash: params.contentHash,
    ...(read.value?.etag ? { changeKey: read.value.etag } : {}),
    updatedAt: params.now(),
  });
  return undefined;
}
