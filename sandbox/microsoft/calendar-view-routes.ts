import { eventCollectionReply } from "./collection-reply.ts";
import type { GraphContext } from "./context.ts";
import { calendarOf, mailboxOf } from "./event-routes.ts";
import { READ_CALENDARS, requireScope } from "./graph-auth.ts";
import type { Router, SandboxReply } from "./http-kit.ts";
import { instancesInWindow } from "./instances.ts";
import { parseWindowBound } from "./time-zones.ts";

/** GET calendarView: occurrences expanded, never series masters (reference 2.4). */
function calendarView(ctx: GraphContext): SandboxReply {
  requireScope(ctx.grant, READ_CALENDARS);
  const query = ctx.req.url.searchParams;
  const startMs = parseWindowBound(query.get("startDateTime"), "startDateTime");
  const endMs = parseWindowBound(query.get("endDateTime"), "endDateTime");
  // /me/calendarView reads the default calendar, as Graph does.
  const calendarId = calendarOf(ctx).id;
  const items = instancesInWindow({
    state: ctx.state,
    mailboxId: mailboxOf(ctx).id,
    calendarId,
    startMs,
    endMs,
  });
  return eventCollectionReply(ctx, items, "events");
}

export function registerCalendarViewRoutes(router: Router<GraphContext>): void {
  router.add("GET", "/mailbox/calendarView", calendarView);
  router.add("GET", "/mailbox/calendar/calendarView", calendarView);
  router.add("GET", "/mailbox/calendars/:calendarId/calendarView", calendarView);
}
