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
import { windowMovedError, windowMovedOn } from "../window-cursor.ts";
import type { GraphClient } from "./graph-client.ts";
import { createGraphEventWrites } from "./graph-event-writes.ts";
import { ianaZoneOf, mapGraphEvent } from "./graph-mapper.ts";
import { createGraphPlaces } from "./graph-places.ts";
import {
  entraClientInfoSchema,
  graphCalendarPageSchema,
  graphDeltaPageSchema,
  graphMailboxTimeZoneSchema,
  graphUserSchema,
} from "./graph-schemas.ts";
import { graphSubscriptionMethods } from "./graph-subscriptions.ts";

/**
 * A Microsoft 365 / Outlook mailbox as a calendar source: calendars from `/me/calendars`, busy time from
 * `calendarView/delta` per calendar (provider-protocols 2.11), one page per pull.
 *
 * The cursor is the link Graph handed out (nextLink while a round is under way, deltaLink once it is complete),
 * with the end of the window it was opened for: the window is fixed per token chain, so once the rolling window
 * has moved on by a day the adapter asks for a fresh listing (which the engine builds beside the old rows).
 */
interface GraphCursor {
  link: string;
  windowTo: number;
}

function readCursor(cursor: SyncCursor | null): GraphCursor | null {
  if (!cursor) return null;
  try {
    const value = JSON.parse(cursor) as GraphCursor;
    return typeof value.link === "string" && typeof value.windowTo === "number" ? value : null;
  } catch {
    return null;
  }
}

function writeCursor(link: string, windowTo: number): SyncCursor {
  return JSON.stringify({ link, windowTo } satisfies GraphCursor) as SyncCursor;
}

const invalidPage = {
  kind: "invalid_data",
  message: "Microsoft Graph answered with an unexpected page",
} as const;

export function createGraphCalendarSource(options: {
  client: GraphClient;
  /** The account's address: calendars it owns block by default, shared ones don't. */
  accountEmail: string | null;
  /** Items per delta page (Prefer: odata.maxpagesize). */
  pageSize?: number;
}): CalendarSource {
  const { client } = options;
  const pageSize = options.pageSize ?? 200;
  const owner = options.accountEmail?.toLowerCase() ?? null;
  return {
    provider: "microsoft",
    // Push: Graph change notifications (subscriptions), renewed and repaired by src/sync/push-channels.ts.
    ...graphSubscriptionMethods(client),
    ...createGraphEventWrites(client),
    // Rooms: /places and getSchedule (needs Place.Read.All for the listing; MICROSOFT_ROOMS=true asks for it).
    ...createGraphPlaces(client),

    async listCalendars(): Promise<SourceResult<SourceCalendar[]>> {
      const calendars: SourceCalendar[] = [];
      let url: string | undefined = "/me/calendars?$top=100";
      for (let page = 0; url && page < 50; page++) {
        const answer = await client.request({ method: "GET", url });
        if (!answer.ok) return answer;
        const parsed = graphCalendarPageSchema.safeParse(answer.value.json);
        if (!parsed.success) return { ok: false, error: invalidPage };
        for (const calendar of parsed.data.value) {
          const ownerAddress = calendar.owner?.address?.toLowerCase() ?? null;
          calendars.push({
            ref: calendar.id,
            name: calendar.name ?? "Calendar",
            readOnly: calendar.canEdit === false,
            primary: calendar.isDefaultCalendar === true,
            owned: calendar.isDefaultCalendar === true || (owner !== null && ownerAddress === owner),
          });
        }
        url = parsed.data["@odata.nextLink"];
      }
      return { ok: true, value: calendars };
    },

    async pull(params: PullParams): Promise<SourceResult<PullResult>> {
      const previous = readCursor(params.cursor);
      const windowTo = params.window.to.getTime();
      if (params.cursor && (!previous || windowMovedOn(previous.windowTo, windowTo)))
        return { ok: false, error: windowMovedError };
      const url =
        previous?.link ??
        `/me/calendars/${encodeURIComponent(params.calendarRef)}/calendarView/delta?startDateTime=${encodeURIComponent(
          params.window.from.toISOString(),
        )}&endDateTime=${encodeURIComponent(params.window.to.toISOString())}`;
      // The preferences are part of the token chain; sending them on every page is harmless and keeps UTC times.
      const answer = await client.request({
        method: "GET",
        url,
        headers: { prefer: `outlook.timezone="UTC", odata.maxpagesize=${pageSize}` },
      });
      if (!answer.ok) return answer;
      const parsed = graphDeltaPageSchema.safeParse(answer.value.json);
      const link = parsed.success
        ? (parsed.data["@odata.deltaLink"] ?? parsed.data["@odata.nextLink"])
        : undefined;
      if (!parsed.success || !link) return { ok: false, error: invalidPage };
      const complete = parsed.data["@odata.deltaLink"] !== undefined;
      const nextCursor = writeCursor(link, previous?.windowTo ?? windowTo);
      // Later items win: the same event can appear more than once (replays).
      const upserts = new Map<string, SourceBusyInterval>();
      const removed = new Set<string>();
      for (const raw of parsed.data.value) {
        const item = mapGraphEvent(raw, { details: params.details === true });
        if (item.kind === "upsert") {
          upserts.set(item.interval.sourceRef, item.interval);
          removed.delete(item.interval.sourceRef);
        } else if (item.ref !== undefined) {
          // An item we cannot read must not keep stale time either; it is dropped and counted as removed.
          upserts.delete(item.ref);
          removed.add(item.ref);
        }
      }
      if (!previous) {
        return {
          ok: true,
          value: { kind: "snapshot", intervals: [...upserts.values()], nextCursor, complete },
        };
      }
      if (upserts.size === 0 && removed.size === 0 && complete) {
        return { ok: true, value: { kind: "unchanged", nextCursor } };
      }
      return {
        ok: true,
        value: {
          kind: "delta",
          upserts: [...upserts.values()],
          removedRefs: [...removed],
          nextCursor,
          complete,
        },
      };
    },
  };
}

/** The MSA home tenant: accounts whose `client_info.utid` is this are personal Microsoft accounts. */
const PERSONAL_ACCOUNTS_TENANT = "9188040d-6c67-4c5b-b112-36a304b66dad";

/**
 * Who connected: `/me` (User.Read) and the mailbox zone (MailboxSettings.Read, a Windows name mapped to IANA).
 * Work/school versus personal comes from `client_info`'s home tenant (requested with client_info=1).
 */
export async function readGraphAccount(params: {
  client: GraphClient;
  clientInfo: string | undefined;
}): Promise<SourceResult<SourceAccount>> {
  const me = await params.client.request({ method: "GET", url: "/me" });
  if (!me.ok) return me;
  const user = graphUserSchema.safeParse(me.value.json);
  if (!user.success)
    return {
      ok: false,
      error: { kind: "invalid_data", message: "Microsoft Graph answered /me unexpectedly" },
    };
  const zone = await params.client.request({ method: "GET", url: "/me/mailboxSettings/timeZone" });
  const zoneName = zone.ok ? graphMailboxTimeZoneSchema.safeParse(zone.value.json) : undefined;
  const timeZone = zoneName?.success ? ianaZoneOf(zoneName.data.value) : null;
  let kind: SourceAccount["kind"] = "work";
  if (params.clientInfo) {
    try {
      const info = entraClientInfoSchema.safeParse(
        JSON.parse(Buffer.from(params.clientInfo, "base64url").toString("utf8")),
      );
      if (info.success && info.data.utid === PERSONAL_ACCOUNTS_TENANT) kind = "personal";
    } catch {
      // Unreadable client_info: keep the default; it only decides whether Teams is offered.
    }
  }
  const email = user.data.mail ?? user.data.userPrincipalName ?? "";
  return {
    ok: true,
    value: {
      id: user.data.id,
      email,
      displayName: user.data.displayName ?? email,
      kind,
      ...(timeZone ? { timeZone } : {}),
    },
  };
}
