import type { FastifyInstance } from "fastify";
import { grantFor } from "./api-auth.ts";
import { fullSyncRequired, GoogleApiError, invalidParameter, notFound } from "./errors.ts";
import type { SandboxContext } from "./sandbox-context.ts";
import type { AccessRole } from "./seed-schema.ts";
import { type CalendarRecord, roleAtLeast } from "./state.ts";
import { decodePageToken, decodeSyncToken, encodePageToken, encodeSyncToken } from "./sync-tokens.ts";

/**
 * calendarList.list / get, calendars.get and calendars.delete (4.1). The calendar list does not change
 * in the sandbox except by calendars.delete, so an incremental calendarList sync returns the deleted
 * entries only; its token is still checked (410 when stale).
 */
export function registerCalendarRoutes(app: FastifyInstance, context: SandboxContext): void {
  const { state } = context;

  app.get("/users/me/calendarList", async (request) => {
    const { account } = grantFor(request, "calendarList");
    const query = request.query as Record<string, string | undefined>;
    const maxResults = Math.min(Number(query.maxResults ?? 100) || 100, 250);
    const minRole = query.minAccessRole as AccessRole | undefined;
    if (minRole && !["freeBusyReader", "reader", "writer", "owner"].includes(minRole)) {
      throw invalidParameter("minAccessRole");
    }
    if (query.syncToken !== undefined) {
      if (minRole)
        throw invalidParameter("minAccessRole", "Sync token cannot be combined with minAccessRole.");
      const cursor = decodeSyncToken(query.syncToken);
      if (!cursor || cursor.g !== state.generation || cursor.c !== `calendarList:${account}`)
        throw fullSyncRequired();
    }
    const entries = [...state.calendars.values()]
      .filter((calendar) => calendar.seed.access[account] !== undefined)
      .filter((calendar) => !minRole || roleAtLeast(calendar.seed.access[account]!, minRole))
      .map((calendar) => listEntry(calendar, account));
    const offset = query.pageToken === undefined ? 0 : (decodePageToken(query.pageToken)?.o ?? 0);
    const items = query.syncToken === undefined ? entries.slice(offset, offset + maxResults) : [];
    const last = query.syncToken !== undefined || offset + maxResults >= entries.length;
    return {
      kind: "calendar#calendarList",
      etag: `"p3${state.changeSeq.toString(32)}cl"`,
      ...(last
        ? {
            nextSyncToken: encodeSyncToken({
              g: state.generation,
              c: `calendarList:${account}`,
              e: 0,
              s: state.changeSeq,
              se: false,
            }),
          }
        : {
            nextPageToken: encodePageToken({
              g: state.generation,
              o: offset + maxResults,
              s: state.changeSeq,
            }),
          }),
      items,
    };
  });

  app.get("/users/me/calendarList/:calendarId", async (request) => {
    const { account } = grantFor(request, "calendarList");
    const { calendar } = state.calendarFor(account, (request.params as { calendarId: string }).calendarId);
    return listEntry(calendar, account);
  });

  app.get("/calendars/:calendarId", async (request) => {
    const { account } = grantFor(request, "read");
    const { calendar } = state.calendarFor(account, (request.params as { calendarId: string }).calendarId);
    return {
      kind: "calendar#calendar",
      etag: `"${calendar.seed.id.length}${calendar.syncEpoch}"`,
      id: calendar.seed.id,
      summary: calendar.seed.summary,
      ...(calendar.seed.description === undefined ? {} : { description: calendar.seed.description }),
      timeZone: calendar.seed.timeZone,
      conferenceProperties: { allowedConferenceSolutionTypes: ["hangoutsMeet"] },
    };
  });

  // Deleting a secondary calendar ends its watch channels with a final `not_exists` notification.
  app.delete("/calendars/:calendarId", async (request, reply) => {
    const { account } = grantFor(request, "write");
    const { calendar, role } = state.calendarFor(
      account,
      (request.params as { calendarId: string }).calendarId,
    );
    if (calendar.seed.kind !== "secondary") {
      throw new GoogleApiError({
        code: 400,
        reason: "cannotDeletePrimaryCalendar",
        message: "Cannot delete primary calendar.",
      });
    }
    if (role !== "owner") throw notFound();
    state.calendars.delete(calendar.seed.id);
    state.channels.notifyGone(calendar.seed.id);
    return reply.status(204).send();
  });
}

function listEntry(calendar: CalendarRecord, account: string): Record<string, unknown> {
  const role = calendar.seed.access[account] ?? "freeBusyReader";
  const primary = calendar.seed.id === account;
  return {
    kind: "calendar#calendarListEntry",
    etag: `"${calendar.seed.id.length}${calendar.syncEpoch}0"`,
    id: calendar.seed.id,
    summary: calendar.seed.summary,
    ...(calendar.seed.description === undefined ? {} : { description: calendar.seed.description }),
    timeZone: calendar.seed.timeZone,
    colorId: primary ? "14" : "7",
    backgroundColor: calendar.seed.backgroundColor ?? (primary ? "#9fe1e7" : "#42d692"),
    foregroundColor: "#000000",
    selected: true,
    accessRole: role,
    defaultReminders: role === "owner" ? [{ method: "popup", minutes: 10 }] : [],
    conferenceProperties: { allowedConferenceSolutionTypes: ["hangoutsMeet"] },
    ...(primary
      ? {
          primary: true,
          notificationSettings: { notifications: [{ type: "eventCreation", method: "email" }] },
        }
      : {}),
  };
}
