import { propfind } from "tsdav";
import type {
  CalendarSource,
  PullParams,
  PullResult,
  SourceCalendar,
  SourceResult,
  SyncCursor,
} from "../../core/sync/calendar-source.ts";
import type { FeedReader } from "../ics/feed-worker-pool.ts";
import { windowMovedError, windowMovedOn } from "../window-cursor.ts";
import { type CalDavClient, trackAnswers } from "./caldav-client.ts";
import { TOO_LARGE_MESSAGE } from "./caldav-errors.ts";
import { createCalDavEventWrites } from "./caldav-event-writes.ts";
import {
  type CalendarObject,
  multigetCalendarObjects,
  queryCalendarObjects,
  readCollectionState,
  syncCollectionChanges,
} from "./caldav-reports.ts";
import { canWrite, componentsOf, textOf } from "./caldav-schemas.ts";

/**
 * A CalDAV account (iCloud, Fastmail, Nextcloud, Radicale ...) as a calendar source (provider-protocols Part 5):
 * calendars from a Depth 1 PROPFIND of the calendar home; the first fill is a time-range calendar-query over the
 * window (with the data; hrefs and ETags plus calendar-multiget batches when that answer is too large), taken
 * after reading the collection's sync-token so that nothing changed during the fill is missed.
 * Then:
 * - with a sync-token (RFC 6578): sync-collection since it, changed resources fetched by calendar-multiget;
 *   a token the server refuses (403/409 valid-sync-token, or anything but a 207) lists the window again, beside
 *   the old rows (sync_cursor_invalid);
 * - without: getctag as the cheap "anything changed?", then the window's ETags compared with the stored ones.
 * A changed resource replaces all its occurrences (its URL is their series). CalDAV has no push: polled.
 * Objects are parsed and expanded in the feed worker pool, within the budgets of a feed per object: a listing with
 * a cut object is a truncated snapshot (a warning on the connection, no availability from the cut on); a change
 * page with one lists the window again, so that the cut is recorded the same way.
 */
interface CalDavCursor {
  token?: string;
  ctag?: string;
  /** href -> ETag of the window's resources, for servers without sync-collection. */
  etags?: Record<string, string>;
  windowTo: number;
}

function readCursor(cursor: SyncCursor | null): CalDavCursor | null {
  if (!cursor) return null;
  try {
    const value = JSON.parse(cursor) as CalDavCursor;
    return typeof value.windowTo === "number" ? value : null;
  } catch {
    return null;
  }
}

const writeCursor = (cursor: CalDavCursor) => JSON.stringify(cursor) as SyncCursor;

function withSlash(url: string): string {
  return url.endsWith("/") ? url : `${url}/`;
}

export function createCalDavCalendarSource(options: {
  client: CalDavClient;
  homeUrl: string;
  /** The account's address, the ORGANIZER of events we write. */
  organizerEmail: string;
  now: () => Date;
  /** The worker pool that parses and expands calendar data off the event loop. */
  reader: FeedReader;
}): CalendarSource {
  const { client } = options;
  const mapObjects = (params: PullParams, objects: CalendarObject[]) =>
    options.reader.mapCalendarObjects({
      objects: objects.map(({ href, etag, data }) => ({ href, etag, data })),
      fromMs: params.window.from.getTime(),
      toMs: params.window.to.getTime(),
      hostTimeZone: params.hostTimeZone,
      ...(params.details === true ? { details: true } : {}),
    });

  async function snapshot(params: PullParams, calendarUrl: string): Promise<SourceResult<PullResult>> {
    const collection = await client.run((fetch) => readCollectionState({ fetch, calendarUrl }));
    if (!collection.ok) return collection;
    // One calendar-query with the data is the cheapest for the server; a calendar whose answer passes the size
    // limit is listed as hrefs and ETags and fetched in multiget batches instead, so every answer stays bounded.
    let objects = await client.run((fetch) =>
      queryCalendarObjects({ fetch, calendarUrl, window: params.window, withData: true }),
    );
    if (!objects.ok && objects.error.message === TOO_LARGE_MESSAGE) {
      objects = await client.run(async (fetch) => {
        const found = await queryCalendarObjects({
          fetch,
          calendarUrl,
          window: params.window,
          withData: false,
        });
        const fetched = await multigetCalendarObjects({
          fetch,
          calendarUrl,
          hrefs: found.map((o) => o.href),
        });
        return fetched.filter((object) => object.status !== 404);
      });
    }
    if (!objects.ok) return objects;
    const mapped = await mapObjects(params, objects.value);
    if (!mapped.ok) return mapped;
    const state = collection.value;
    const cursor: CalDavCursor = state.syncToken
      ? { token: state.syncToken, windowTo: params.window.to.getTime() }
      : {
          ...(state.ctag ? { ctag: state.ctag } : {}),
          etags: etagsOf(objects.value),
          windowTo: params.window.to.getTime(),
        };
    return {
      ok: true,
      value: {
        kind: "snapshot",
        intervals: mapped.value.intervals,
        ...(mapped.value.truncated
          ? {
              truncated: true,
              incompleteFrom: new Date(mapped.value.incompleteFromMs ?? params.window.from.getTime()),
              truncation: `a calendar object has more than is read per sync (10,000 occurrences, or a series past its recurrence steps; ${mapped.value.occurrences} read)`,
            }
          : {}),
        nextCursor: writeCursor(cursor),
        complete: true,
      },
    };
  }

  async function changes(
    params: PullParams,
    calendarUrl: string,
    previous: CalDavCursor,
  ): Promise<SourceResult<PullResult | "relist">> {
    const found = await client.run(async (fetch) => {
      if (previous.token) {
        const tracked = trackAnswers(fetch);
        const answer = await syncCollectionChanges({
          fetch: tracked.fetch,
          calendarUrl,
          token: previous.token,
          track: tracked.last,
        });
        if (answer.kind === "invalid_token") return "relist" as const;
        const fetched = await multigetCalendarObjects({
          fetch,
          calendarUrl,
          hrefs: answer.changed.map((change) => change.href),
        });
        return {
          fetched,
          removed: answer.removed,
          cursor: { token: answer.nextToken, windowTo: previous.windowTo } satisfies CalDavCursor,
          complete: !answer.truncated,
        };
      }
      const state = await readCollectionState({ fetch, calendarUrl });
      if (previous.ctag && state.ctag === previous.ctag) return "unchanged" as const;
      const listed = await queryCalendarObjects({
        fetch,
        calendarUrl,
        window: params.window,
        withData: false,
      });
      const before = previous.etags ?? {};
      const now = etagsOf(listed);
      const changedHrefs = Object.keys(now).filter((href) => before[href] !== now[href]);
      const fetched = await multigetCalendarObjects({ fetch, calendarUrl, hrefs: changedHrefs });
      return {
        fetched,
        removed: Object.keys(before).filter((href) => !(href in now)),
        cursor: {
          ...(state.ctag ? { ctag: state.ctag } : {}),
          etags: now,
          windowTo: previous.windowTo,
        } satisfies CalDavCursor,
        complete: true,
      };
    });
    if (!found.ok) return found;
    if (found.value === "relist") return { ok: true, value: "relist" };
    if (found.value === "unchanged")
      return { ok: true, value: { kind: "unchanged", nextCursor: params.cursor } };
    const { fetched, cursor, complete } = found.value;
    // A resource listed as changed and gone by the multiget was deleted meanwhile.
    const removed = [...found.value.removed, ...fetched.filter((o) => o.status === 404).map((o) => o.href)];
    const present = fetched.filter((object) => object.status !== 404);
    const mapped = await mapObjects(params, present);
    if (!mapped.ok) return mapped;
    // A change page has no place for a cut: the window is listed again, and that snapshot records it.
    if (mapped.value.truncated) return { ok: true, value: "relist" };
    const nextCursor = writeCursor(cursor);
    if (present.length === 0 && removed.length === 0 && complete)
      return { ok: true, value: { kind: "unchanged", nextCursor } };
    return {
      ok: true,
      value: {
        kind: "delta",
        upserts: mapped.value.intervals,
        removedRefs: removed,
        // Every occurrence of a changed or removed resource goes; the changed ones come back from `upserts`.
        removedSeriesRefs: [...removed, ...present.map((object) => object.href)],
        nextCursor,
        complete,
      },
    };
  }

  return {
    provider: "caldav",
    ...createCalDavEventWrites({ client, organizerEmail: options.organizerEmail, now: options.now }),

    async listCalendars(): Promise<SourceResult<SourceCalendar[]>> {
      const listed = await client.run(async (fetch) => {
        const tracked = trackAnswers(fetch);
        const entries = await propfind({
          url: options.homeUrl,
          depth: "1",
          props: {
            "d:resourcetype": {},
            "d:displayname": {},
            "c:supported-calendar-component-set": {},
            "d:current-user-privilege-set": {},
          },
          fetch: tracked.fetch,
        });
        return { entries, base: tracked.last().url || options.homeUrl, status: tracked.last().status };
      });
      if (!listed.ok) return listed;
      if (listed.value.status !== 207)
        return {
          ok: false,
          error: {
            kind: listed.value.status === 404 ? "not_found" : "invalid_data",
            message: `the CalDAV server did not list the calendar home (${listed.value.status})`,
          },
        };
      const calendars: SourceCalendar[] = [];
      for (const entry of listed.value.entries) {
        const props = entry.props ?? {};
        const types = props.resourcetype;
        if (!entry.href || !types || typeof types !== "object" || !("calendar" in types)) continue;
        // Task lists and reminders (VTODO only) hold no busy time and take no events.
        const components = componentsOf(props.supportedCalendarComponentSet);
        if (components && !components.includes("VEVENT")) continue;
        const ref = withSlash(new URL(entry.href, listed.value.base).href);
        calendars.push({
          ref,
          name:
            textOf(props.displayname) ?? decodeURIComponent(new URL(ref).pathname.split("/").at(-2) ?? ""),
          readOnly: canWrite(props.currentUserPrivilegeSet) === false,
          primary: calendars.length === 0,
          owned: true,
        });
      }
      return { ok: true, value: calendars };
    },

    async pull(params: PullParams): Promise<SourceResult<PullResult>> {
      const calendarUrl = withSlash(params.calendarRef);
      const previous = readCursor(params.cursor);
      if (!previous) return snapshot(params, calendarUrl);
      // The rolling window moved on: occurrences of series in the new part were never expanded.
      if (windowMovedOn(previous.windowTo, params.window.to.getTime()))
        return { ok: false, error: windowMovedError };
      const answer = await changes(params, calendarUrl, previous);
      if (!answer.ok) return answer;
      if (answer.value === "relist")
        return {
          ok: false,
          error: {
            kind: "sync_cursor_invalid",
            message: "the CalDAV server refused the sync token: listing again",
          },
        };
      return { ok: true, value: answer.value };
    },
  };
}

function etagsOf(objects: CalendarObject[]): Record<string, string> {
  const etags: Record<string, string> = {};
  for (const object of objects) if (object.etag) etags[object.href] = object.etag;
  return etags;
}
