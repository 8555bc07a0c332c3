import { isKnownTimeZone } from "../time/time-zone.ts";
import {
  expandSeries,
  localDateOf,
  type Parsed,
  parseRecurrenceSubset,
  type RecurrenceSubset,
  type SeriesOccurrence,
  startMatchesRule,
} from "./recurrence.ts";

/** When a managed event happens, as the API gives it: one time, or a series with removed and moved occurrences. */
export interface ManagedEventTimes {
  start: Date;
  end: Date;
  timeZone: string;
  recurrence: {
    rule: string;
    exdates: Date[];
    overrides: Array<{ originalStart: Date; start: Date; end: Date }>;
  } | null;
}

export interface CheckedSchedule {
  rule: RecurrenceSubset | null;
  /** The occurrences (moved ones at their new times) up to the expansion limits; one for a single event. */
  occurrences: SeriesOccurrence[];
}

/** A series is expanded for availability at most this far (two years from its start) and this many times. */
export const SERIES_HORIZON_DAYS = 731;
export const SERIES_MAX_OCCURRENCES = 1_000;
const MAX_EVENT_MS = 14 * 86_400_000;

/**
 * Checks a managed event's times (end after start, a known zone, a rule of the subset that the start matches,
 * EXDATEs and moves that name occurrences of the series) and expands them. Every failure is a message for a 400.
 */
export function checkManagedEventSchedule(times: ManagedEventTimes): Parsed<CheckedSchedule> {
  if (!isKnownTimeZone(times.timeZone))
    return { ok: false, message: `unknown time zone "${times.timeZone}"` };
  const length = times.end.getTime() - times.start.getTime();
  if (length <= 0) return { ok: false, message: "end must be after start" };
  if (length > MAX_EVENT_MS) return { ok: false, message: "an event may last at most 14 days" };
  if (!times.recurrence) {
    return {
      ok: true,
      value: {
        rule: null,
        occurrences: [{ originalStart: times.start, start: times.start, end: times.end }],
      },
    };
  }
  const parsed = parseRecurrenceSubset(times.recurrence.rule);
  if (!parsed.ok) return parsed;
  const rule = parsed.value;
  const mismatch = startMatchesRule(rule, localDateOf(times.start, times.timeZone));
  if (mismatch) return { ok: false, message: mismatch };
  const horizon = new Date(times.start.getTime() + SERIES_HORIZON_DAYS * 86_400_000);
  const all = expandSeries({
    rule,
    start: times.start,
    end: times.end,
    timeZone: times.timeZone,
    exdates: [],
    limit: SERIES_MAX_OCCURRENCES,
    horizonDate: horizon.toISOString().slice(0, 10),
  });
  const known = new Set(all.map((occurrence) => occurrence.originalStart.getTime()));
  for (const exdate of times.recurrence.exdates) {
    if (!known.has(exdate.getTime()))
      return { ok: false, message: `exdate ${exdate.toISOString()} is not an occurrence of the series` };
  }
  const moves = new Map<number, { start: Date; end: Date }>();
  for (const move of times.recurrence.overrides) {
    const key = move.originalStart.getTime();
    if (!known.has(key))
      return {
        ok: false,
        message: `override ${move.originalStart.toISOString()} is not an occurrence of the series`,
      };
    if (move.end.getTime() <= move.start.getTime())
      return { ok: false, message: "an override's end must be after its start" };
    if (times.recurrence.exdates.some((d) => d.getTime() === key))
      return {
        ok: false,
        message: `occurrence ${move.originalStart.toISOString()} is both removed and moved`,
      };
    moves.set(key, move);
  }
  const removed = new Set(times.recurrence.exdates.map((d) => d.getTime()));
  const occurrences = all
    .filter((occurrence) => !removed.has(occurrence.originalStart.getTime()))
    .map((occurrence) => ({ ...occurrence, ...moves.get(occurrence.originalStart.getTime()) }));
  return { ok: true, value: { rule, occurrences } };
}
