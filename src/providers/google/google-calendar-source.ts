import type {
  CalendarSource,
  PullParams,
  PullResult,
  SourceAccount,
  SourceBusyInterval,
  SourceCalendar,
  SourceResult,
  SyncCursor,
} from "../../core/sync/calendar-source.ts";
import type { OAuthTokens } from "../oauth-client.ts";
import { windowMovedError, windowMovedOn } from "../window-cursor.ts";
import { createGoogleChannelMethods } from "./google-channels.ts";
import { calendarPath, type GoogleClient } from "./google-client.ts";
import { createGoogleEventWrites } from "./google-event-writes.ts";
import { mapGoogleEvent } from "./google-mapper.ts";
import { googleAccountOf } from "./google-oauth.ts";
import { createGoogleRooms } from "./google-rooms.ts";
import { googleCalendarListPageSchema, googleEventsPageSchema } from "./google-schemas.ts";

/**
 * A Google account as a calendar source: calendars from calendarList, busy time from events.list per calendar
 * (provider-protocols 4.1, 4.2), one page per pull.
 *
 * The first fill lists the window with `singleEvents=true`; its last page hands out a `nextSyncToken`, and later
 * pulls ask only for what changed since (deletions included). A sync chain cannot be windowed (syncToken excludes
 * timeMin/timeMax): it covers the whole calendar, and an event that was created long ago far ahead only enters the
 * rolling window by a fresh listing, so once the window has moved on by a day the adapter lists again (the engine
 * builds it beside the old rows). A 410 `fullSyncRequired` does the same.
 *
 * The cursor keeps the query of the chain (every page must repeat it) and the page or sync token.
 */
interface GoogleCursor {
  /** events.list query of the chain, without the tokens. */
  query: string;
  pageToken?: string;
  syncToken?: string;
  windowTo: number;
}

function readCursor(cursor: SyncCursor | null): GoogleCursor | null {
  if (!cursor) return null;
  try {
    const value = JSON.parse(cursor) as GoogleCursor;
    const tokens = typeof value.pageToken === "string" || typeof value.syncToken === "string";
    return typeof value.query === "string" && typeof value.windowTo === "number" && tokens ? value : null;
  } catch {
    return null;
  }
}

const writeCursor = (cursor: GoogleCursor): SyncCursor => JSON.stringify(cursor) as SyncCursor;

const invalidPage = {
  kind: "invalid_data",
  message: "Google Calendar answered with an unexpected page",
} as const;

const writableRoles = new Set(["writer", "owner"]);

export function createGoogleCalendarSource(options: {
  client: GoogleClient;
  /** Items per events.list page (Google allows up to 2500). */
  pageSize?: number;
  now: () => Date;
}): CalendarSource {
  const { client } = options;
  const pageSize = options.pageSize ?? 2500;
  return {
    provider: "google",
    // Push: events.watch channels; Google has no renewal, so the engine makes a new channel and stops the old.
    ...createGoogleChannelMethods(client, options.now),
    ...createGoogleEventWrites(client),
    // Rooms: resource calendars' busy time through freebusy.query.
    ...createGoogleRooms(client),

    async listCalendars(): Promise<SourceResult<SourceCalendar[]>> {
      const calendars: SourceCalendar[] = [];
      let pageToken: string | undefined;
      for (let page = 0; page < 50; page++) {
        const query = new URLSearchParams({ maxResults: "250" });
        if (pageToken) query.set("pageToken", pageToken);
        const answer = await client.request({ method: "GET", url: `/users/me/calendarList?${query}` });
        if (!answer.ok) return answer;
        const parsed = googleCalendarListPageSchema.safeParse(answer.value.json);
        if (!parsed.success) return { ok: false, error: invalidPage };
        for (const entry of parsed.data.items) {
          if (entry.deleted) continue;
          calendars.push({
            ref: entry.id,
            name: entry.summaryOverride ?? entry.summary ?? entry.id,
            readOnly: !writableRoles.has(entry.accessRole ?? ""),
            primary: entry.primary === true,
            // Only calendars the account owns block by default; shared, subscribed and holiday ones don't.
            owned: entry.accessRole === "owner",
            ...(entry.timeZone ? { timeZone: entry.timeZone } : {}),
          });
        }
        pageToken = parsed.data.nextPageToken ?? undefined;
        if (!pageToken) break;
      }
      return { ok: true, value: calendars };
    },

    async pull(params: PullParams): Promise<SourceResult<PullResult>> {
      const previous = readCursor(params.cursor);
      const windowTo = params.window.to.getTime();
      if (params.cursor && (!previous || windowMovedOn(previous.windowTo, windowTo)))
        return { ok: false, error: windowMovedError };
      const chain =
        previous?.query ??
        new URLSearchParams({
          singleEvents: "true",
          maxResults: String(pageSize),
          timeMin: params.window.from.toISOString(),
          timeMax: params.window.to.toISOString(),
        }).toString();
      const query = new URLSearchParams(chain);
      if (previous?.syncToken) {
        // An incremental chain: the same parameters minus the window (syncToken excludes timeMin/timeMax).
        query.delete("timeMin");
        query.delete("timeMax");
        query.set("syncToken", previous.syncToken);
      }
      if (previous?.pageToken) query.set("pageToken", previous.pageToken);
      const answer = await client.request({
        method: "GET",
        url: `${calendarPath(params.calendarRef)}/events?${query}`,
      });
      if (!answer.ok) return answer;
      const parsed = googleEventsPageSchema.safeParse(answer.value.json);
      const nextPage = parsed.success ? parsed.data.nextPageToken : undefined;
      const nextSync = parsed.success ? parsed.data.nextSyncToken : undefined;
      if (!parsed.success || (!nextPage && !nextSync)) return { ok: false, error: invalidPage };
      const complete = !nextPage;
      const base = { query: chain, windowTo: previous?.windowTo ?? windowTo };
      const nextCursor = writeCursor(
        nextPage
          ? {
              ...base,
              pageToken: nextPage,
              ...(previous?.syncToken ? { syncToken: previous.syncToken } : {}),
            }
          : { ...base, syncToken: nextSync ?? "" },
      );
      const zone = parsed.data.timeZone ?? undefined;
      // Pages may repeat items: later ones win.
      const upserts = new Map<string, SourceBusyInterval>();
      const removed = new Set<string>();
      const removedSeries = new Set<string>();
      for (const raw of parsed.data.items) {
        const item = mapGoogleEvent(raw, zone, { details: params.details === true });
        if (item.kind === "upsert") {
          upserts.set(item.interval.sourceRef, item.interval);
          removed.delete(item.interval.sourceRef);
        } else if (item.ref !== undefined) {
          // An item we cannot read must not keep stale time either: dropped, counted as removed.
          upserts.delete(item.ref);
          removed.add(item.ref);
          if (item.kind === "remove" && item.series) removedSeries.add(item.ref);
        }
      }
      if (!previous) {
        return {
          ok: true,
          value: { kind: "snapshot", intervals: [...upserts.values()], nextCursor, complete },
        };
      }
      if (previous.syncToken && upserts.size === 0 && removed.size === 0 && complete)
        return { ok: true, value: { kind: "unchanged", nextCursor } };
      return {
        ok: true,
        value: {
          kind: "delta",
          upserts: [...upserts.values()],
          removedRefs: [...removed],
          ...(removedSeries.size > 0 ? { removedSeriesRefs: [...removedSeries] } : {}),
          nextCursor,
          complete,
        },
      };
    },
  };
}

/**
 * Who connected: the ID token names the account (sub, email, hd); the primary calendar's entry gives the zone
 * all-day events of the account live in.
 */
export async function readGoogleAccount(params: {
  client: GoogleClient;
  tokens: OAuthTokens;
}): Promise<SourceResult<SourceAccount>> {
  const account = googleAccountOf(params.tokens);
  if (!account)
    return { ok: false, error: { kind: "invalid_data", message: "Google sent no usable ID token" } };
  const primary = await params.client.request({ method: "GET", url: "/users/me/calendarList/primary" });
  if (!primary.ok) return primary;
  const zone = (primary.value.json as { timeZone?: unknown } | null)?.timeZone;
  return { ok: true, value: { ...account, ...(typeof zone === "string" ? { timeZone: zone } : {}) } };
}
