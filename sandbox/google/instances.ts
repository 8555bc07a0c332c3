import { Temporal } from "temporal-polyfill";
import { formatDateTime, toInstant } from "./event-time.ts";
import type { GoogleEvent } from "./event-types.ts";
import { expandOccurrences } from "./recurrence.ts";
import type { CalendarRecord } from "./state.ts";

/**
 * Instances of a recurring master (provider-protocols.md 4.3): id `<masterId>_<originalStartUTC>` (or
 * `_<YYYYMMDD>` for all-day series), the master's fields and shared `iCalUID`, `recurringEventId` and
 * `originalStartTime`. A stored exception with the same id (moved, edited or cancelled) replaces the
 * generated instance; its id never changes when it moves (trap 2).
 */

/** An open-ended series is cut after this many instances [inf]. */
export const MAX_INSTANCES = 730;
/** Without a timeMax, series are expanded this far past the later of now and their start [inf]. */
const HORIZON_DAYS = 2 * 366;
const DAY_MS = 86_400_000;

// Expansion is costly (ical.js iteration plus a zone conversion per instance), and stored events are
// replaced, never mutated, on every write, so a cache keyed by the master object is always current.
const cache = new WeakMap<GoogleEvent, Map<string, GoogleEvent[]>>();

export function isRecurringMaster(event: GoogleEvent): boolean {
  return Array.isArray(event.recurrence) && event.recurrence.length > 0 && event.start !== undefined;
}

/**
 * The instances of `master` starting before `before` (default: the horizon), with stored exceptions
 * (moved, edited or cancelled instances) in place of the generated ones.
 */
export function expandInstances(params: {
  calendar: CalendarRecord;
  master: GoogleEvent;
  before?: Temporal.Instant;
  now?: number;
}): GoogleEvent[] {
  const { master, calendar } = params;
  if (!isRecurringMaster(master) || !master.start || !master.end) return [];
  const seriesStart = toInstant(master.start, calendar.seed.timeZone).epochMilliseconds;
  const horizonBase = Math.floor(Math.max(seriesStart, params.now ?? seriesStart) / DAY_MS) * DAY_MS;
  const before = params.before ?? Temporal.Instant.fromEpochMilliseconds(horizonBase + HORIZON_DAYS * DAY_MS);
  const key = `${calendar.seed.timeZone}|${before.epochMilliseconds}`;
  let byKey = cache.get(master);
  if (!byKey) {
    byKey = new Map();
    cache.set(master, byKey);
  }
  let generated = byKey.get(key);
  if (!generated) {
    generated = generateInstances(master, calendar.seed.timeZone, before);
    byKey.set(key, generated);
  }
  return generated.map((instance) => calendar.events.get(instance.id)?.event ?? instance);
}

function generateInstances(
  master: GoogleEvent,
  calendarTimeZone: string,
  before: Temporal.Instant,
): GoogleEvent[] {
  if (!master.start || !master.end) return [];
  const occurrences = expandOccurrences({
    start: master.start,
    recurrence: master.recurrence ?? [],
    calendarTimeZone,
    before,
    limit: MAX_INSTANCES,
  });
  const masterEnd = master.end;
  const allDay = master.start.date !== undefined;
  const seriesZone = master.start.timeZone ?? calendarTimeZone;
  const startInstant = toInstant(master.start, calendarTimeZone);
  const duration = startInstant.until(toInstant(master.end, calendarTimeZone));
  const dayLength =
    allDay && master.end.date
      ? Temporal.PlainDate.from(master.start.date!).until(Temporal.PlainDate.from(master.end.date)).days
      : 0;
  return occurrences.map((occurrence) => {
    const id = `${master.id}_${occurrence.key}`;
    const { recurrence: _recurrence, ...fields } = master;
    const instance: GoogleEvent = { ...fields, id, recurringEventId: master.id };
    instance.originalStartTime = occurrence.originalStart;
    if (allDay) {
      const date = Temporal.PlainDate.from(occurrence.originalStart.date!);
      instance.start = { date: date.toString() };
      instance.end = { date: date.add({ days: dayLength }).toString() };
    } else {
      const end = occurrence.start.add(duration);
      instance.start = { dateTime: formatDateTime(occurrence.start, seriesZone), timeZone: seriesZone };
      instance.end = {
        dateTime: formatDateTime(end, seriesZone),
        timeZone: masterEnd.timeZone ?? seriesZone,
      };
    }
    return instance;
  });
}

/** Splits `<masterId>_<suffix>` when the suffix has the instance-id shape. */
export function parseInstanceId(id: string): { masterId: string; key: string } | undefined {
  const match = /^(.+)_(\d{8}(?:T\d{6}Z)?)$/.exec(id);
  if (!match) return undefined;
  return { masterId: match[1]!, key: match[2]! };
}
