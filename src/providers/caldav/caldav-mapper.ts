import type { SourceBusyInterval, SourceResult } from "../../core/sync/calendar-source.ts";
import { icsToBusy } from "../ical-busy.ts";
import type { CalendarObject } from "./caldav-reports.ts";

/**
 * Calendar object resources as busy time: one resource holds a whole series (master, overrides with RECURRENCE-ID,
 * EXDATEs), expanded by our engine over the window. A resource that is not iCalendar fails the pull (fail closed:
 * its time must not silently disappear) with its name, so the host can find it. Runs in the feed worker pool
 * (CPU-heavy: a 5 MB object or `RRULE:FREQ=SECONDLY` must not hold the event loop), within the budgets of feeds per
 * object: an object cut at them makes the answer `truncated`, with the earliest instant from which time is unknown.
 */
export interface MappedCalendarObjects {
  intervals: SourceBusyInterval[];
  truncated: boolean;
  /** When truncated: the earliest instant (epoch ms) from which some object's busy time is not known. */
  incompleteFromMs: number | null;
  /** The number of occurrences read, for the warning. */
  occurrences: number;
}

export interface CalendarObjectsJob {
  objects: Array<Pick<CalendarObject, "href" | "etag" | "data">>;
  fromMs: number;
  toMs: number;
  hostTimeZone: string;
  maxOccurrences?: number;
  maxSeriesSteps?: number;
  /** Fill the intervals' details for the agenda (the connection's import switch). */
  details?: boolean;
}

export function mapCalendarObjects(job: CalendarObjectsJob): SourceResult<MappedCalendarObjects> {
  const intervals: SourceBusyInterval[] = [];
  let truncated = false;
  let incompleteFromMs: number | null = null;
  for (const object of job.objects) {
    if (object.data === undefined) continue;
    const busy = icsToBusy({
      text: object.data,
      window: { from: new Date(job.fromMs), to: new Date(job.toMs) },
      hostTimeZone: job.hostTimeZone,
      resource: { href: object.href, ...(object.etag ? { etag: object.etag } : {}) },
      ...(job.maxOccurrences === undefined ? {} : { maxOccurrences: job.maxOccurrences }),
      ...(job.maxSeriesSteps === undefined ? {} : { maxSeriesSteps: job.maxSeriesSteps }),
      ...(job.details === true ? { details: true } : {}),
    });
    if (!busy.ok) {
      const name = decodeURIComponent(new URL(object.href).pathname.split("/").pop() ?? "").slice(0, 120);
      return { ok: false, error: { kind: "invalid_data", message: `${name}: ${busy.error.message}` } };
    }
    // A loop, not push(...list): a cut object still holds up to maxOccurrences intervals.
    for (const interval of busy.value.intervals) intervals.push(interval);
    if (busy.value.truncated) {
      truncated = true;
      const from = busy.value.incompleteFromMs ?? job.fromMs;
      incompleteFromMs = incompleteFromMs === null ? from : Math.min(incompleteFromMs, from);
    }
  }
  return { ok: true, value: { intervals, truncated, incompleteFromMs, occurrences: intervals.length } };
}
