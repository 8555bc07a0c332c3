import type { FastifyInstance, FastifyRequest } from "fastify";
import { grantFor } from "./api-auth.ts";
import { GoogleApiError } from "./errors.ts";
import { listEvents } from "./event-list.ts";
import { resolveEvent } from "./event-resolve.ts";
import type { GoogleEvent } from "./event-types.ts";
import { presentEvent } from "./event-view.ts";
import { deleteEvent, insertEvent, patchEvent, updateEvent, type WriteContext } from "./event-writes.ts";
import { listInstances } from "./instances-list.ts";
import { parseListQuery, type RawQuery } from "./list-params.ts";
import type { SandboxContext } from "./sandbox-context.ts";
import { parseSendUpdates } from "./send-updates.ts";
import { roleAtLeast } from "./state.ts";

/** The events collection (4.2-4.4): list, get, instances, insert (200), patch, update, delete (204). */
export function registerEventRoutes(app: FastifyInstance, context: SandboxContext): void {
  const { state } = context;

  const readable = (request: FastifyRequest) => {
    const { account } = grantFor(request, "read");
    const { calendar, role } = state.calendarFor(
      account,
      (request.params as { calendarId: string }).calendarId,
    );
    if (!roleAtLeast(role, "reader")) throw accessLevel("reader");
    return { account, calendar, role };
  };

  const writable = (request: FastifyRequest): WriteContext => {
    const { account } = grantFor(request, "write");
    const { calendar, role } = state.calendarFor(
      account,
      (request.params as { calendarId: string }).calendarId,
    );
    if (!roleAtLeast(role, "writer")) throw accessLevel("writer");
    const query = request.query as Record<string, string | undefined>;
    const ifMatch = request.headers["if-match"];
    return {
      state,
      calendar,
      account,
      sendUpdates: parseSendUpdates(query.sendUpdates ?? legacySendNotifications(query.sendNotifications)),
      conferenceDataVersion: Number(query.conferenceDataVersion ?? 0),
      ...(typeof ifMatch === "string" ? { ifMatch } : {}),
    };
  };

  app.get("/calendars/:calendarId/events", async (request) => {
    const { account, calendar, role } = readable(request);
    const query = parseListQuery(request.query as RawQuery, { maxResults: 250, maxCap: 2500 });
    return listEvents({ state, calendar, role, account, query });
  });

  app.get("/calendars/:calendarId/events/:eventId", async (request, reply) => {
    const { account, calendar } = readable(request);
    const { event } = resolveEvent(calendar, (request.params as { eventId: string }).eventId);
    if (request.headers["if-none-match"] === event.etag) return reply.status(304).send();
    const query = parseListQuery(request.query as RawQuery, { maxResults: 1, maxCap: 1 });
    return presentEvent(event, {
      account,
      calendarId: calendar.seed.id,
      timeZone: query.timeZone ?? calendar.seed.timeZone,
      ...(query.maxAttendees === undefined ? {} : { maxAttendees: query.maxAttendees }),
    });
  });

  app.get("/calendars/:calendarId/events/:eventId/instances", async (request) => {
    const { account, calendar, role } = readable(request);
    const query = parseListQuery(request.query as RawQuery, { maxResults: 250, maxCap: 2500 });
    const { eventId } = request.params as { eventId: string };
    return listInstances({ state, calendar, role, account, query, eventId });
  });

  app.post("/calendars/:calendarId/events", async (request) => {
    const ctx = writable(request);
    return present(ctx, insertEvent(ctx, request.body));
  });

  app.patch("/calendars/:calendarId/events/:eventId", async (request) => {
    const ctx = writable(request);
    return present(ctx, patchEvent(ctx, (request.params as { eventId: string }).eventId, request.body));
  });

  app.put("/calendars/:calendarId/events/:eventId", async (request) => {
    const ctx = writable(request);
    return present(ctx, updateEvent(ctx, (request.params as { eventId: string }).eventId, request.body));
  });

  app.delete("/calendars/:calendarId/events/:eventId", async (request, reply) => {
    const ctx = writable(request);
    deleteEvent(ctx, (request.params as { eventId: string }).eventId);
    return reply.status(204).send();
  });
}

function present(ctx: WriteContext, event: GoogleEvent): GoogleEvent {
  return presentEvent(event, {
    account: ctx.account,
    calendarId: ctx.calendar.seed.id,
    timeZone: ctx.calendar.seed.timeZone,
  });
}

/** `sendNotifications` is deprecated but still honoured: true means `all`. */
function legacySendNotifications(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return value === "true" ? "all" : "none";
}

function accessLevel(level: "reader" | "writer"): GoogleApiError {
  return new GoogleApiError({
    code: 403,
    reason: "requiredAccessLevel",
    domain: "calendar",
    message: `You need to have ${level} access to this calendar.`,
  });
}
