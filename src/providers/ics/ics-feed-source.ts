import type {
  CalendarSource,
  PullResult,
  SourceBusyInterval,
  SourceResult,
  SyncCursor,
} from "../../core/sync/calendar-source.ts";
import { windowMovedOn } from "../window-cursor.ts";
import type { ExpandedFeed } from "./feed-expansion.ts";
import type { FeedReader } from "./feed-worker-pool.ts";
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
function readCursor(cursor: SyncCursor | null): FeedCursor {
  if (!cursor) return {};
  try {
    return JSON.parse(cursor) as FeedCursor;
  } catch {
    return {};
  }
}

/** Intervals are built in slices, with a turn of the event loop between them: 50k objects at once is a stall. */
const SLICE = 2_000;

async function intervalsOf(feed: ExpandedFeed): Promise<SourceBusyInterval[]> {
  const intervals: SourceBusyInterval[] = [];
  for (let i = 0; i < feed.refs.length; i++) {
    if (i > 0 && i % SLICE === 0) await new Promise((resolve) => setImmediate(resolve));
    intervals.push({
      start: new Date(feed.starts[i] as number),
      end: new Date(feed.ends[i] as number),
      status: feed.tentative[i] === 1 ? "tentative" : "busy",
      sourceRef: feed.refs[i] as string,
    });
  }
  return intervals;
}

export function createIcsFeedSource(params: {
  url: string;
  displayName: string;
  fetch: Omit<FeedFetchOptions, "conditional">;
  /** Parses and expands feeds off the event loop. */
  reader: FeedReader;
}): CalendarSource {
  return {
    provider: "ics",
    async listCalendars() {
      return { ok: true, value: [{ ref: "feed", name: params.displayName, readOnly: true, primary: true }] };
    },
    async pull({ cursor, window, hostTimeZone }): Promise<SourceResult<PullResult>> {
      const previous = readCursor(cursor);
      const windowMoved = windowMovedOn(previous.windowTo ?? 0, window.to.getTime());
      const fetched = await fetchFeed(params.url, {
        ...params.fetch,
        ...(windowMoved ? {} : { conditional: previous }),
      });
      if (!fetched.ok) return fetched;
      if (fetched.value.status === "not_modified")
        return { ok: true, value: { kind: "unchanged", nextCursor: cursor } };
      const { body, etag, lastModified } = fetched.value;
      const read = await params.reader.read({
        body,
        fromMs: window.from.getTime(),
        toMs: window.to.getTime(),
        hostTimeZone,
      });
      if (!read.ok) return read;
      const feed = read.value;
      const next: FeedCursor = {
        ...(etag ? { etag } : {}),
        ...(lastModified ? { lastModified } : {}),
        windowTo: window.to.getTime(),
      };
      return {
        ok: true,
        value: {
          kind: "snapshot",
          intervals: await intervalsOf(feed),
          contentHash: feed.contentHash,
          ...(feed.truncated
            ? {
                truncated: true,
                incompleteFrom: new Date(feed.incompleteFromMs ?? window.from.getTime()),
                truncation: `the feed has more than is read per sync (ICS_FEED_MAX_OCCURRENCES occurrences, or a series past its recurrence steps; ${feed.occurrences} read)`,
              }
            : {}),
          nextCursor: JSON.stringify(next) as SyncCursor,
        },
      };
    },
  };
}
