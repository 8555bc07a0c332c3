import { decodeIcsBytes } from "../../core/ical/decode-ics-bytes.ts";
import { expandOccurrences } from "../../core/ical/expand-occurrences.ts";
import { occurrencesToBusy } from "../../core/ical/occurrences-to-busy.ts";
import { parseCalendars } from "../../core/ical/parse-calendar.ts";
import type {
  CalendarSource,
  PullResult,
  SourceBusyInterval,
  SourceResult,
  SyncCursor,
} from "../../core/sync/calendar-source.ts";
import { type FeedFetchOptions, fetchFeed } from "./fetch-feed.ts";

/**
 * A read-only .ics feed (http, https or webcal) as a calendar source. The cursor is the validator pair of the last
 * good response, so an unchanged feed costs one conditional request (304) and no parsing.
 */
interface FeedCursor {
  etag?: string;
  lastModified?: string;
  /** The end of the window the cached rows were expanded for (epoch ms). */
  windowTo?: number;
}

/** A rolling window moves on even when the feed doesn't: re-expand once it has moved by a day. */
const WINDOW_SLACK_MS = 86_400_000;

function readCursor(cursor: SyncCursor | null): FeedCursor {
  if (!cursor) return {};
  try {
    return JSON.parse(cursor) as FeedCursor;
  } catch {
    return {};
  }
}

/** An .ics file's occurrences over a window as busy intervals, keyed by UID and recurrence id. */
export function icsToBusy(params: {
  text: string;
  window: { from: Date; to: Date };
  hostTimeZone: string;
}): SourceResult<{ intervals: SourceBusyInterval[]; truncated: boolean }> {
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
  });
  if (!expanded.ok) return { ok: false, error: { kind: "invalid_data", message: expanded.error.message } };
  const intervals: SourceBusyInterval[] = [];
  for (const occurrence of expanded.value.occurrences) {
    // occurrencesToBusy applies RFC 5545's rules (cancelled and transparent don't block; all-day in the host's zone).
    for (const busy of occurrencesToBusy({ occurrences: [occurrence], hostTimeZone: params.hostTimeZone })) {
      intervals.push({
        start: new Date(busy.start),
        end: new Date(busy.end),
        status: occurrence.status === "TENTATIVE" ? "tentative" : "busy",
        sourceRef: occurrence.recurrenceId ? `${occurrence.uid}#${occurrence.recurrenceId}` : occurrence.uid,
      });
    }
  }
  return { ok: true, value: { intervals, truncated: expanded.value.truncated } };
}

export function createIcsFeedSource(params: {
  url: string;
  displayName: string;
  fetch: Omit<FeedFetchOptions, "conditional">;
}): CalendarSource {
  return {
    provider: "ics",
    async listCalendars() {
      return { ok: true, value: [{ ref: "feed", name: params.displayName, readOnly: true, primary: true }] };
    },
    async pull({ cursor, window, hostTimeZone }): Promise<SourceResult<PullResult>> {
      const previous = readCursor(cursor);
      const windowMoved = (previous.windowTo ?? 0) + WINDOW_SLACK_MS < window.to.getTime();
      const fetched = await fetchFeed(params.url, {
        ...params.fetch,
        ...(windowMoved ? {} : { conditional: previous }),
      });
      if (!fetched.ok) return fetched;
      if (fetched.value.status === "not_modified")
        return { ok: true, value: { kind: "unchanged", nextCursor: cursor } };
      const { body, etag, lastModified } = fetched.value;
      const busy = icsToBusy({ text: decodeIcsBytes(body), window, hostTimeZone });
      if (!busy.ok) return busy;
      const next: FeedCursor = {
        ...(etag ? { etag } : {}),
        ...(lastModified ? { lastModified } : {}),
        windowTo: window.to.getTime(),
      };
      return {
        ok: true,
        value: {
          kind: "snapshot",
          intervals: busy.value.intervals,
          truncated: busy.value.truncated,
          nextCursor: JSON.stringify(next) as SyncCursor,
        },
      };
    },
  };
}
