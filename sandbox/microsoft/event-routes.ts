import { contextUrl, eventCollectionReply } from "./collection-reply.ts";
import type { GraphContext } from "./context.ts";
import { parseEventInput } from "./event-input.ts";
import { readExtendedExpand, renderEvent } from "./event-render.ts";
import { cancelEvent, createEvent, deleteEvent, updateEvent } from "./event-store.ts";
import { READ_CALENDARS, requireScope, WRITE_CALENDARS } from "./graph-auth.ts";
import { GraphError, itemNotFound } from "./graph-errors.ts";
import { header, parseJsonBody, type Router, type SandboxReply } from "./http-kit.ts";
import { type EventInstance, findInstance, instanceOfStored, seriesInstances } from "./instances.ts";
import type { Mailbox, StoredCalendar } from "./model.ts";
import { preferenceHeaders, readPreferences } from "./prefer-header.ts";
import { parseWindowBound } from "./time-zones.ts";

export function mailboxOf(ctx: GraphContext): Mailbox {
  if (!ctx.mailbox) throw itemNotFound();
  return ctx.mailbox;
}

/** `/calendars/{id}` or, without an id, the default calendar. */
export function calendarOf(ctx: GraphContext): StoredCalendar {
  const mailbox = mailboxOf(ctx);
  const id = ctx.req.params.calendarId;
  if (!id) return ctx.state.defaultCalendar(mailbox.id);
  const calendar = ctx.state.calendars.get(id);
  if (!calendar || calendar.mailboxId !== mailbox.id) throw itemNotFound();
  return calendar;
}

function instanceOf(ctx: GraphContext): EventInstance {
  const id = ctx.req.params.eventId ?? "";
  if (!/^[A-Za-z0-9+/=_-]+$/.test(id)) {
    throw new GraphError({ status: 400, code: "ErrorInvalidIdMalformed", message: "Id is malformed." });
  }
  const instance = findInstance(ctx.state, mailboxOf(ctx).id, id);
  if (!instance) throw itemNotFound();
  if (ctx.req.params.calendarId && instance.event.calendarId !== calendarOf(ctx).id) throw itemNotFound();
  return instance;
}

function eventReply(ctx: GraphContext, instance: EventInstance, status: number): SandboxReply {
  const preferences = readPreferences(ctx.req);
  const select = ctx.req.url.searchParams.get("$select");
  return {
    status,
    headers: { etag: `W/"${instance.changeKey}"`, ...preferenceHeaders(preferences) },
    body: {
      "@odata.context": contextUrl(ctx, "events/$entity"),
      ...renderEvent(instance, {
        preferTimeZone: preferences.timeZone,
        bodyContentType: preferences.bodyContentType,
        select: select ? select.split(",").map((s) => s.trim()) : null,
        extendedIds: readExtendedExpand(ctx.req.url.searchParams),
      }),
    },
  };
}

function listEvents(ctx: GraphContext): SandboxReply {
  requireScope(ctx.grant, READ_CALENDARS);
  // /me/events lists the default calendar; /calendars/{id}/events that calendar.
  const calendarId = calendarOf(ctx).id;
  const items = ctx.state
    .eventsOf(mailboxOf(ctx).id, calendarId)
    .filter((event) => event.type !== "exception")
    .map(instanceOfStored);
  return eventCollectionReply(ctx, items, "events");
}

function postEvent(ctx: GraphContext): SandboxReply {
  requireScope(ctx.grant, WRITE_CALENDARS);
  const input = parseEventInput(parseJsonBody(ctx.req));
  // A duplicate transactionId answers 201 with the original event, so retries look like success.
  const { event } = createEvent({
    state: ctx.state,
    mailbox: mailboxOf(ctx),
    calendar: calendarOf(ctx),
    input,
  });
  return eventReply(ctx, instanceOfStored(event), 201);
}

function patchEvent(ctx: GraphContext): SandboxReply {
  requireScope(ctx.grant, WRITE_CALENDARS);
  const input = parseEventInput(parseJsonBody(ctx.req));
  const updated = updateEvent({
    state: ctx.state,
    mailbox: mailboxOf(ctx),
    instance: instanceOf(ctx),
    input,
    ifMatch: header(ctx.req, "if-match"),
  });
  return eventReply(ctx, instanceOfStored(updated), 200);
}

function removeEvent(ctx: GraphContext): SandboxReply {
  requireScope(ctx.grant, WRITE_CALENDARS);
  deleteEvent({ state: ctx.state, instance: instanceOf(ctx) });
  return { status: 204 };
}

function postCancel(ctx: GraphContext): SandboxReply {
  requireScope(ctx.grant, WRITE_CALENDARS);
  cancelEvent({ state: ctx.state, instance: instanceOf(ctx) });
  return { status: 202 };
}

/** GET /events/{masterId}/instances: one series expanded over a window (reference 2.4). */
function listInstances(ctx: GraphContext): SandboxReply {
  requireScope(ctx.grant, READ_CALENDARS);
  const master = instanceOf(ctx);
  const startMs = parseWindowBound(ctx.req.url.searchParams.get("startDateTime"), "startDateTime");
  const endMs = parseWindowBound(ctx.req.url.searchParams.get("endDateTime"), "endDateTime");
  const items =
    master.type === "seriesMaster"
      ? seriesInstances(ctx.state, master.event, endMs).filter((i) => i.startMs < endMs && i.endMs > startMs)
      : [];
  return eventCollectionReply(ctx, items, "events");
}

export function registerEventRoutes(router: Router<GraphContext>): void {
  for (const base of [
    "/mailbox/events",
    "/mailbox/calendar/events",
    "/mailbox/calendars/:calendarId/events",
  ]) {
    router.add("GET", base, listEvents);
    router.add("POST", base, postEvent);
    router.add("GET", `${base}/:eventId`, (ctx) => {
      requireScope(ctx.grant, READ_CALENDARS);
      return eventReply(ctx, instanceOf(ctx), 200);
    });
    router.add("PATCH", `${base}/:eventId`, patchEvent);
    router.add("DELETE", `${base}/:eventId`, removeEvent);
    router.add("POST", `${base}/:eventId/cancel`, postCancel);
    router.add("GET", `${base}/:eventId/instances`, listInstances);
  }
}
