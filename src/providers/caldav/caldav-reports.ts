import { type DAVResponse, davRequest, propfind, syncCollection } from "tsdav";
import { textOf } from "./caldav-schemas.ts";

/**
 * The CalDAV REPORTs and PROPFINDs a calendar source needs, over tsdav with the client's fetch. tsdav's own
 * calendarQuery/calendarMultiGet throw on any entry with an error status (one resource deleted between a change
 * listing and its multiget would lose the whole batch), so the REPORT bodies go through davRequest here and
 * each entry is judged on its own.
 */
const CALDAV = "urn:ietf:params:xml:ns:caldav";
const DAV = "DAV:";

export interface CalendarObject {
  href: string;
  etag: string | undefined;
  data: string | undefined;
  status: number;
}

/** `20300101T000000Z`: the form CALDAV:time-range takes (RFC 4791 §9.9). */
function davTime(at: Date): string {
  return `${at.toISOString().slice(0, 19).replace(/[-:]/g, "")}Z`;
}

function objectsOf(entries: DAVResponse[], base: string): CalendarObject[] {
  const objects: CalendarObject[] = [];
  for (const entry of entries) {
    if (!entry.href) continue;
    objects.push({
      href: new URL(entry.href, base).href,
      etag: textOf(entry.props?.getetag),
      data: textOf(entry.props?.calendarData),
      status: entry.status,
    });
  }
  return objects;
}

/** calendar-query with a time-range over the window (overlap semantics, recurrence included): hrefs and ETags,
 * and the data too when `withData`. */
export async function queryCalendarObjects(params: {
  fetch: typeof globalThis.fetch;
  calendarUrl: string;
  window: { from: Date; to: Date };
  withData: boolean;
}): Promise<CalendarObject[]> {
  const entries = await davRequest({
    url: params.calendarUrl,
    init: {
      method: "REPORT",
      namespace: "c",
      headers: { depth: "1" },
      body: {
        "calendar-query": {
          _attributes: { "xmlns:c": CALDAV, "xmlns:d": DAV },
          "d:prop": params.withData ? { "d:getetag": {}, "c:calendar-data": {} } : { "d:getetag": {} },
          filter: {
            "comp-filter": {
              _attributes: { name: "VCALENDAR" },
              "comp-filter": {
                _attributes: { name: "VEVENT" },
                "time-range": {
                  _attributes: { start: davTime(params.window.from), end: davTime(params.window.to) },
                },
              },
            },
          },
        },
      },
    },
    fetch: params.fetch,
  });
  return objectsOf(entries, params.calendarUrl).filter((object) => object.href !== params.calendarUrl);
}

/** calendar-multiget of known resources, in batches (servers cap the hrefs of one REPORT). */
export async function multigetCalendarObjects(params: {
  fetch: typeof globalThis.fetch;
  calendarUrl: string;
  hrefs: string[];
}): Promise<CalendarObject[]> {
  const objects: CalendarObject[] = [];
  for (let i = 0; i < params.hrefs.length; i += 100) {
    const batch = params.hrefs.slice(i, i + 100).map((href) => new URL(href).pathname);
    const entries = await davRequest({
      url: params.calendarUrl,
      init: {
        method: "REPORT",
        namespace: "c",
        headers: { depth: "1" },
        body: {
          "calendar-multiget": {
            _attributes: { "xmlns:c": CALDAV, "xmlns:d": DAV },
            "d:prop": { "d:getetag": {}, "c:calendar-data": {} },
            "d:href": batch,
          },
        },
      },
      fetch: params.fetch,
    });
    objects.push(...objectsOf(entries, params.calendarUrl));
  }
  return objects;
}

/** The collection's change markers: DAV:sync-token (RFC 6578) and CS:getctag, when the server has them. */
export async function readCollectionState(params: {
  fetch: typeof globalThis.fetch;
  calendarUrl: string;
}): Promise<{ syncToken?: string; ctag?: string }> {
  const entries = await propfind({
    url: params.calendarUrl,
    depth: "0",
    props: { "d:sync-token": {}, "cs:getctag": {} },
    fetch: params.fetch,
  });
  const props = entries.find((entry) => entry.href)?.props ?? {};
  const syncToken = textOf(props.syncToken);
  const ctag = textOf(props.getctag);
  return { ...(syncToken ? { syncToken } : {}), ...(ctag ? { ctag } : {}) };
}

export type SyncAnswer =
  | { kind: "invalid_token" }
  | {
      kind: "changes";
      changed: Array<{ href: string; etag: string | undefined }>;
      removed: string[];
      nextToken: string;
      /** 507 on the request URI: the server cut the listing short; ask again with nextToken (RFC 6578 §3.6). */
      truncated: boolean;
    };

/**
 * sync-collection since `token`. Any answer but a 207 with a new token means "list again": 403/409 with
 * DAV:valid-sync-token is the documented one, and some servers answer a stale token with 400 or 500.
 */
export async function syncCollectionChanges(params: {
  fetch: typeof globalThis.fetch;
  calendarUrl: string;
  token: string;
  track: () => { status: number };
}): Promise<SyncAnswer> {
  const entries = await syncCollection({
    url: params.calendarUrl,
    props: { "d:getetag": {} },
    syncLevel: 1,
    syncToken: params.token,
    fetch: params.fetch,
  });
  const nextToken = textOf(
    (entries[0]?.raw as { multistatus?: { syncToken?: unknown } } | undefined)?.multistatus?.syncToken,
  );
  if (params.track().status !== 207 || !nextToken) return { kind: "invalid_token" };
  const changed: Array<{ href: string; etag: string | undefined }> = [];
  const removed: string[] = [];
  let truncated = false;
  for (const entry of entries) {
    if (!entry.href) continue;
    const href = new URL(entry.href, params.calendarUrl).href;
    if (href === params.calendarUrl) {
      truncated ||= entry.status === 507;
      continue;
    }
    if (entry.status === 404) removed.push(href);
    else if (entry.ok) changed.push({ href, etag: textOf(entry.props?.getetag) });
  }
  return { kind: "changes", changed, removed, nextToken, truncated };
}
