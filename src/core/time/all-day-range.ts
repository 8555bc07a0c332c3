import { loadZoneOffsets, localToInstant } from "../availability/zone-offsets.ts";

/**
 * An all-day event's dates (YYYY-MM-DD, end exclusive, as iCalendar, Graph and Google all write them) as instants
 * in a zone: from local midnight of the first day to local midnight after the last. Kept as dates until this point
 * so that a host who moves zone needs no resync (sync-failure-modes.md #12). Null for unreadable dates.
 */
export function allDayRangeMs(params: {
  startDate: string;
  endDate: string;
  timeZone: string;
}): { startMs: number; endMs: number } | null {
  const start = dateMs(params.startDate);
  const end = dateMs(params.endDate);
  if (start === null || end === null || end <= start) return null;
  const zone = loadZoneOffsets({
    timeZone: params.timeZone,
    fromMs: start - 86_400_000,
    toMs: end + 86_400_000,
  });
  return { startMs: localToInstant(zone, start), endMs: localToInstant(zone, end) };
}

function dateMs(text: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return null;
  const ms = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return Number.isNaN(ms) ? null : ms;
}
