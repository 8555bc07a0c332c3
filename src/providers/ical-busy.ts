import { expandOccurrences } from "../core/ical/expand-occurrences.ts";
import type { Occurrence } from "../core/ical/occurrence.ts";
import { occurrencesToBusy } from "../core/ical/occurrences-to-busy.ts";
import { parseCalendars } from "../core/ical/parse-calendar.ts";
import type { SourceBusyInterval, SourceResult } from "../core/sync/calendar-source.ts";
import { isManagedWriteKey } from "../core/sync/managed-write-marker.ts";
import { icalEventDetails } from "./ical-details.ts";

/**
 * iCalendar text's occurrences over a window as busy intervals: our engine expands recurrence (overrides, EXDATEs,
 * zones) because servers expand differently or not at all, and occurrencesToBusy applies RFC 5545's rules
 * (cancelled and transparent don't block; all-day and floating times in the host's zone).
 *
 * Feeds key occurrences by UID and recurrence id. A CalDAV object resource is keyed by its URL instead (`resource`):
 * that is what sync-collection names when it changes or goes, so every occurrence carries it as its series, and
 * all-day occurrences stay dates (turned into time in the host's zone when availability is read).
 */
const ENVELOPE_MS = 14 * 3_600_000;
// Floating and all-day occurrences are keyed on the wall clock read as UTC: a cut is moved back by the widest zone
// offset so that it covers what is missing wherever the host is (as for feeds, feed-expansion.ts).
const WALL_CLOCK_MARGIN_MS = 14 * 3_600_000;
const bookingMarker = /^calbridge-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})-/i;

export function icsToBusy(params: {
  text: string;
  window: { from: Date; to: Date };
  hostTimeZone: string;
  resource?: { href: string; etag?: string };
  /** Budgets of the expansion (see expandOccurrences); a cut says from when busy time is unknown. */
  maxOccurrences?: number;
  maxSeriesSteps?: number;
  /** Fill each interval's details (the connection's import switch); free events then stay as free rows. */
  details?: boolean;
}): SourceResult<{ intervals: SourceBusyInterval[]; truncated: boolean; incompleteFromMs: number | null }> {
  const parsed = parseCalendars(params.text);
  if (!parsed.ok) {
    return {
      ok: false,
      error: { kind: "invalid_data", message: `line ${parsed.error.line}: ${parsed.error.message}` },
    };
  }
  const expanded = expandOccurrences({
    calendars: parsed.value,
    from: params.window.from.toISOString(),
    to: params.window.to.toISOString(),
    ...(params.maxOccurrences === undefined ? {} : { maxOccurrences: params.maxOccurrences }),
    ...(params.maxSeriesSteps === undefined ? {} : { maxSeriesSteps: params.maxSeriesSteps }),
    ...(params.details === true ? { agenda: true } : {}),
  });
  if (!expanded.ok) return { ok: false, error: { kind: "invalid_data", message: expanded.error.message } };
  const intervals: SourceBusyInterval[] = [];
  const { resource } = params;
  for (const expandedOccurrence of expanded.value.occurrences) {
    // Our own copies (a booking's, a managed event's) stay when transparent, as free: dropping one would read as its
    // deletion in the host's calendar (two-way sync). Only object resources (CalDAV) are ours to write.
    const ours = bookingMarker.test(expandedOccurrence.uid)
      ? "booking"
      : isManagedWriteKey(expandedOccurrence.uid)
        ? "managed_event"
        : null;
    // With details, every free event stays too (as the Graph and Google mappers keep them for the agenda); the
    // free status keeps it out of availability.
    const free =
      expandedOccurrence.transparency === "TRANSPARENT" &&
      expandedOccurrence.status !== "CANCELLED" &&
      ((resource !== undefined && ours !== null) || params.details === true);
    const occurrence = free ? { ...expandedOccurrence, transparency: null } : expandedOccurrence;
    const status = free ? "free" : occurrence.status === "TENTATIVE" ? "tentative" : "busy";
    const details = params.details === true ? { details: icalEventDetails(expandedOccurrence, ours) } : {};
    for (const busy of occurrencesToBusy({ occurrences: [occurrence], hostTimeZone: params.hostTimeZone })) {
      if (!resource) {
        intervals.push({
          start: new Date(busy.start),
          end: new Date(busy.end),
          status,
          sourceRef: occurrence.recurrenceId
            ? `${occurrence.uid}#${occurrence.recurrenceId}`
            : occurrence.uid,
          ...details,
        });
        continue;
      }
      intervals.push({ ...resourceInterval(occurrence, busy, resource), status, ...details });
    }
  }
  const { truncated, cutAt } = expanded.value;
  const fromMs = params.window.from.getTime();
  const incompleteFromMs = truncated
    ? cutAt === null
      ? fromMs
      : Math.max(fromMs, cutAt * 1000 - WALL_CLOCK_MARGIN_MS)
    : null;
  return { ok: true, value: { intervals, truncated, incompleteFromMs } };
}

function resourceInterval(
  occurrence: Occurrence,
  busy: { start: string; end: string },
  resource: { href: string; etag?: string },
): Omit<SourceBusyInterval, "status"> {
  const bookingId = bookingMarker.exec(occurrence.uid)?.[1]?.toLowerCase();
  const common = {
    sourceRef: occurrence.recurrenceId ? `${resource.href}#${occurrence.recurrenceId}` : resource.href,
    seriesRef: resource.href,
    ...(resource.etag ? { etag: resource.etag } : {}),
    ...(bookingId ? { bookingId } : {}),
  };
  if (!occurrence.allDay) return { ...common, start: new Date(busy.start), end: new Date(busy.end) };
  return {
    ...common,
    start: new Date(Date.parse(`${occurrence.start}T00:00:00Z`) - ENVELOPE_MS),
    end: new Date(Date.parse(`${occurrence.end}T00:00:00Z`) + ENVELOPE_MS),
    allDay: { startDate: occurrence.start, endDate: occurrence.end },
  };
}
