import type {
  CalendarSource,
  SourceBusyInterval,
  SourceResult,
  SourceRoom,
  SourceRoomBusy,
} from "../../core/sync/calendar-source.ts";
import type { GraphClient } from "./graph-client.ts";
import { instantMs } from "./graph-mapper.ts";
import { graphPlacesPageSchema, graphRoomSchema, graphSchedulesSchema } from "./graph-schemas.ts";

/**
 * Rooms through Microsoft Graph (provider-protocols 2.8, 2.10):
 * - `/places/microsoft.graph.room` and a list's rooms at `/places/{list email}/microsoft.graph.roomlist/rooms`
 *   (Place.Read.All, admin consent, work accounts only), paged with $top/$skip via nextLink;
 * - busy time from `POST /me/calendar/getSchedule`: at most 20 schedules and under 62 days per call, so rooms go in
 *   batches and the window in 60-day pieces. A room Graph cannot resolve answers with an `error` inside the 200:
 *   that room (only) fails. Items are asked for in UTC; free items don't block.
 */
type GraphRooms = Required<Pick<CalendarSource, "listRooms" | "listRoomLists" | "readRoomBusy">>;

const SCHEDULES_PER_CALL = 20;
const PIECE_MS = 60 * 86_400_000;
const PAGE = 100;
const MAX_PAGES = 50;

const unexpected = {
  ok: false,
  error: {
    kind: "invalid_data",
    message: "Microsoft Graph answered a places or schedule request unexpectedly",
  },
} as const;

async function pagedPlaces(client: GraphClient, first: string): Promise<SourceResult<unknown[]>> {
  const items: unknown[] = [];
  let url: string | undefined = first;
  for (let page = 0; url && page < MAX_PAGES; page++) {
    const answer = await client.request({ method: "GET", url });
    if (!answer.ok) return answer;
    const parsed = graphPlacesPageSchema.safeParse(answer.value.json);
    if (!parsed.success) return unexpected;
    items.push(...parsed.data.value);
    url = parsed.data["@odata.nextLink"];
  }
  return { ok: true, value: items };
}

function roomOf(raw: unknown): SourceRoom | undefined {
  const parsed = graphRoomSchema.safeParse(raw);
  if (!parsed.success || !parsed.data.emailAddress) return undefined;
  const room = parsed.data;
  return {
    email: room.emailAddress!.toLowerCase(),
    name: room.displayName ?? room.emailAddress!,
    ...(typeof room.capacity === "number" ? { capacity: room.capacity } : {}),
    ...(room.building ? { building: room.building } : {}),
    ...(typeof room.floorNumber === "number" ? { floor: String(room.floorNumber) } : {}),
  };
}

function utc(at: number): { dateTime: string; timeZone: string } {
  return { dateTime: new Date(at).toISOString().slice(0, 19), timeZone: "UTC" };
}

export function createGraphPlaces(client: GraphClient): GraphRooms {
  return {
    async listRooms({ roomList }) {
      const url = roomList
        ? `/places/${encodeURIComponent(roomList)}/microsoft.graph.roomlist/rooms?$top=${PAGE}`
        : `/places/microsoft.graph.room?$top=${PAGE}`;
      const items = await pagedPlaces(client, url);
      if (!items.ok) return items;
      return { ok: true, value: items.value.flatMap((raw) => roomOf(raw) ?? []) };
    },

    async listRoomLists() {
      const items = await pagedPlaces(client, `/places/microsoft.graph.roomlist?$top=${PAGE}`);
      if (!items.ok) return items;
      return {
        ok: true,
        value: items.value.flatMap((raw) => {
          const room = roomOf(raw);
          return room ? [{ email: room.email, name: room.name }] : [];
        }),
      };
    },

    async readRoomBusy({ emails, window }) {
      const found = new Map<string, SourceBusyInterval[]>();
      const failed = new Map<string, string>();
      for (let i = 0; i < emails.length; i += SCHEDULES_PER_CALL) {
        const batch = emails.slice(i, i + SCHEDULES_PER_CALL);
        for (let from = window.from.getTime(); from < window.to.getTime(); from += PIECE_MS) {
          const to = Math.min(from + PIECE_MS, window.to.getTime());
          const answer = await client.request({
            method: "POST",
            url: "/me/calendar/getSchedule",
            headers: { prefer: 'outlook.timezone="UTC"' },
            body: { schedules: batch, startTime: utc(from), endTime: utc(to), availabilityViewInterval: 60 },
            // A read: repeating it is harmless.
            idempotent: true,
          });
          if (!answer.ok) return answer;
          const parsed = graphSchedulesSchema.safeParse(answer.value.json);
          if (!parsed.success) return unexpected;
          for (const schedule of parsed.data.value) {
            const email = schedule.scheduleId.toLowerCase();
            if (schedule.error) {
              failed.set(email, schedule.error.message ?? schedule.error.responseCode ?? "unknown room");
              continue;
            }
            const intervals = found.get(email) ?? [];
            for (const item of schedule.scheduleItems ?? []) {
              const status = (item.status ?? "busy").toLowerCase();
              if (status === "free" || status === "workingelsewhere") continue;
              const start = instantMs(item.start);
              const end = instantMs(item.end);
              if (start === null || end === null || end <= start) continue;
              intervals.push({
                start: new Date(start),
                end: new Date(end),
                status: status === "tentative" ? "tentative" : status === "oof" ? "out_of_office" : "busy",
                // getSchedule names no event: the time itself identifies the item.
                sourceRef: `${email}@${start}-${end}`,
              });
            }
            found.set(email, intervals);
          }
        }
      }
      const value: SourceRoomBusy[] = emails.map((raw) => {
        const email = raw.toLowerCase();
        const message = failed.get(email);
        if (message !== undefined) return { email, ok: false, message };
        return { email, ok: true, intervals: found.get(email) ?? [] };
      });
      return { ok: true, value };
    },
  };
}
