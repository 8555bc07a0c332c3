import { decodeIcsBytes } from "../../core/ical/decode-ics-bytes.ts";
import type {
  CalendarSource,
  PullResult,
  SourceResult,
  SyncCursor,
} from "../../core/sync/calendar-source.ts";
import { icsToBusy } from "../ical-busy.ts";
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
