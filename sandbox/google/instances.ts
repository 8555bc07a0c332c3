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

/** Without a timeMax an open-ended series is cut after this many instances [inf]. */
export const MAX_INSTANCES = 730;
const FAR_FUTURE = Temporal.Instant.from("9999-12-31T00:00:00Z");

export function isRecurringMaster(event: GoogleEvent): boolean {
  return Array.isArray(event.recurrence) && event.recurrence.length > 0 && event.start !== undefined;
}

export function expandInstances(params: {
  calendar: CalendarRecord;
  master: GoogleEvent;
  before?: Temporal.Instant;
}): GoogleEvent[] {
  const { master, calendar } = params;
  if (!isRecurringMaster(master) || !master.start || !master.end) return [];
  const calendarTimeZone = calendar.seed.timeZone;
  const occurrences = expandOccurrences({
    start: master.start,
    recurrence: master.recurrence ?? [],
    calendarTimeZone,
    before: params.before ?? FAR_FUTURE,
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
    const exception = calendar.events.get(id);
    if (exception) return exception.event;
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
