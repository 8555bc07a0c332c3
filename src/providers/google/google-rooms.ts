import type {
  CalendarSource,
  SourceBusyInterval,
  SourceResult,
  SourceRoomBusy,
} from "../../core/sync/calendar-source.ts";
import type { GoogleClient } from "./google-client.ts";
import { googleFreeBusySchema } from "./google-schemas.ts";

/**
 * Rooms through Google Calendar (provider-protocols 4.5): a Workspace room is a resource calendar
 * (`…@resource.calendar.google.com`), booked by inviting it as an attendee; its busy time comes from
 * `freebusy.query`, at most 50 calendars per call, the window asked for in 60-day pieces (long ranges are refused
 * [inf]). A calendar Google cannot read for the account answers with `errors` inside the 200: that room (only)
 * fails. Listing the rooms of a domain is the Admin SDK's (an administrator's scope), not the Calendar API's: event
 * types name rooms by their resource calendar address.
 */
type GoogleRooms = Required<Pick<CalendarSource, "readRoomBusy">>;

const CALENDARS_PER_CALL = 50;
const PIECE_MS = 60 * 86_400_000;

const unexpected = {
  ok: false,
  error: { kind: "invalid_data", message: "Google Calendar answered a freeBusy query unexpectedly" },
} as const;

export function createGoogleRooms(client: GoogleClient): GoogleRooms {
  return {
    async readRoomBusy({ emails, window }): Promise<SourceResult<SourceRoomBusy[]>> {
      const found = new Map<string, SourceBusyInterval[]>();
      const failed = new Map<string, string>();
      for (let i = 0; i < emails.length; i += CALENDARS_PER_CALL) {
        const batch = emails.slice(i, i + CALENDARS_PER_CALL).map((email) => email.toLowerCase());
        for (let from = window.from.getTime(); from < window.to.getTime(); from += PIECE_MS) {
          const to = Math.min(from + PIECE_MS, window.to.getTime());
          const answer = await client.request({
            method: "POST",
            url: "/freeBusy",
            body: {
              timeMin: new Date(from).toISOString(),
              timeMax: new Date(to).toISOString(),
              timeZone: "UTC",
              items: batch.map((id) => ({ id })),
            },
            // A read: repeating it is harmless.
            idempotent: true,
          });
          if (!answer.ok) return answer;
          const parsed = googleFreeBusySchema.safeParse(answer.value.json);
          if (!parsed.success) return unexpected;
          for (const [id, calendar] of Object.entries(parsed.data.calendars)) {
            const email = id.toLowerCase();
            if (calendar.errors && calendar.errors.length > 0) {
              failed.set(email, calendar.errors.map((error) => error.reason ?? "unknown").join(", "));
              continue;
            }
            const intervals = found.get(email) ?? [];
            for (const period of calendar.busy ?? []) {
              const start = Date.parse(period.start);
              const end = Date.parse(period.end);
              if (Number.isNaN(start) || Number.isNaN(end) || end <= start) continue;
              // freeBusy names no event: the time itself identifies the item.
              intervals.push({
                start: new Date(start),
                end: new Date(end),
                status: "busy",
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
        if (message !== undefined) return { email, ok: false, message: `Google Calendar: ${message}` };
        if (!found.has(email)) return { email, ok: false, message: "Google Calendar did not answer for it" };
        return { email, ok: true, intervals: found.get(email) ?? [] };
      });
      return { ok: true, value };
    },
  };
}
