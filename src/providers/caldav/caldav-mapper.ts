import type { SourceBusyInterval, SourceResult } from "../../core/sync/calendar-source.ts";
import { icsToBusy } from "../ical-busy.ts";
import type { CalendarObject } from "./caldav-reports.ts";

/**
 * Calendar object resources as busy time: one resource holds a whole series (master, overrides with RECURRENCE-ID,
 * EXDATEs), expanded by our engine over the window. A resource that is not iCalendar fails the pull (fail closed:
 * its time must not silently disappear) with its name, so the host can find it.
 */
export function mapCalendarObjects(params: {
  objects: CalendarObject[];
  window: { from: Date; to: Date };
  hostTimeZone: string;
}): SourceResult<SourceBusyInterval[]> {
  const intervals: SourceBusyInterval[] = [];
  for (const object of params.objects) {
    if (object.data === undefined) continue;
    const busy = icsToBusy({
      text: object.data,
      window: params.window,
      hostTimeZone: params.hostTimeZone,
      resource: { href: object.href, ...(object.etag ? { etag: object.etag } : {}) },
    });
    if (!busy.ok) {
      const name = decodeURIComponent(new URL(object.href).pathname.split("/").pop() ?? "").slice(0, 120);
      return { ok: false, error: { kind: "invalid_data", message: `${name}: ${busy.error.message}` } };
    }
    intervals.push(...busy.value.intervals);
  }
  return { ok: true, value: intervals };
}
