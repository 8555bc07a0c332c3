import { checkManagedEventSchedule } from "../core/managed-events/managed-event-schedule.ts";
import type { SeriesOccurrence } from "../core/managed-events/recurrence.ts";
import type { ManagedEventRow, StoredRecurrence } from "../store/managed-events-repository.ts";

/**
 * One occurrence of a managed series changed in the host's calendar: moved to new times, or removed (`moved: null`).
 * Keyed by the occurrence's original start (its RECURRENCE-ID, Graph originalStart), as sync-failure-modes.md #13 says.
 */
export interface OccurrenceChange {
  originalStart: Date;
  moved: { start: Date; end: Date } | null;
}

/** A managed event's times checked and expanded as the API would (its stored series turned back into instants). */
export function scheduleOf(event: Pick<ManagedEventRow, "startAt" | "endAt" | "timeZone" | "recurrence">) {
  const recurrence = event.recurrence;
  return checkManagedEventSchedule({
    start: event.startAt,
    end: event.endAt,
    timeZone: event.timeZone,
    recurrence: recurrence && {
      rule: recurrence.rule,
      exdates: recurrence.exdates.map((at) => new Date(at)),
      overrides: recurrence.overrides.map((o) => ({
        originalStart: new Date(o.originalStart),
        start: new Date(o.start),
        end: new Date(o.end),
      })),
    },
  });
}

/** The occurrences of a managed series as our record has them (moved ones at their new times, removed ones left out). */
export function expectedOccurrences(event: ManagedEventRow): SeriesOccurrence[] {
  if (!event.recurrence) return [];
  const checked = scheduleOf(event);
  return checked.ok ? checked.value.occurrences : [];
}

/** Whether an occurrence the calendar shows differs from our record (false for our own version: an echo). */
export function differsFromRecord(event: ManagedEventRow, change: OccurrenceChange): boolean {
  const ours = expectedOccurrences(event).find(
    (occurrence) => occurrence.originalStart.getTime() === change.originalStart.getTime(),
  );
  // Removed on our side already, or not an occurrence of the series: nothing the app needs to hear.
  if (!ours) return false;
  if (!change.moved) return true;
  return (
    ours.start.getTime() !== change.moved.start.getTime() || ours.end.getTime() !== change.moved.end.getTime()
  );
}

/**
 * The occurrences (inside the window) that the calendar no longer holds: removed there one by one, since a sync
 * stores the series' remaining occurrences. Nothing when none is left at all (the whole series went: a removal of
 * the series, which a page names) or when rows of the series sit at times our record does not know (moves not yet
 * told; `known` are the moves already reported), since those could be the missing ones moved.
 */
export function removedOccurrences(params: {
  event: ManagedEventRow;
  times: Array<{ start: Date; end: Date }>;
  window: { from: Date; to: Date };
  known: Date[];
}): Date[] {
  const key = (start: Date, end: Date) => `${start.getTime()}/${end.getTime()}`;
  const held = new Set(params.times.map((t) => key(t.start, t.end)));
  const expected = expectedOccurrences(params.event).filter(
    (o) => o.start >= params.window.from && o.end <= params.window.to,
  );
  if (params.times.length === 0 || expected.length === 0) return [];
  const ours = new Set(expected.map((o) => key(o.start, o.end)));
  const unexplained = params.times.filter((t) => !ours.has(key(t.start, t.end)));
  const knownMoves = new Set(params.known.map((at) => at.getTime()));
  if (unexplained.length > knownMoves.size) return [];
  return expected
    .filter((o) => !held.has(key(o.start, o.end)) && !knownMoves.has(o.originalStart.getTime()))
    .map((o) => o.originalStart);
}

/** Our record's series with the host's change of one occurrence taken in (policy `accept`). */
export function recurrenceWith(recurrence: StoredRecurrence, change: OccurrenceChange): StoredRecurrence {
  const at = change.originalStart.toISOString();
  const same = (iso: string) => Date.parse(iso) === change.originalStart.getTime();
  const overrides = recurrence.overrides.filter((o) => !same(o.originalStart));
  return change.moved
    ? {
        ...recurrence,
        overrides: [
          ...overrides,
          { originalStart: at, start: change.moved.start.toISOString(), end: change.moved.end.toISOString() },
        ],
      }
    : { ...recurrence, exdates: [...recurrence.exdates.filter((d) => !same(d)), at], overrides };
}

/** The warning a `notify` leaves on the copy: also what keeps the same change from being told twice. */
export function occurrenceWarning(change: OccurrenceChange): string {
  const which = `occurrence ${change.originalStart.toISOString()}`;
  return change.moved
    ? `${which} moved in the host's calendar to ${change.moved.start.toISOString()}–${change.moved.end.toISOString()}`
    : `${which} deleted in the host's calendar`;
}
