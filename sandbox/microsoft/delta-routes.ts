import { contextUrl } from "./collection-reply.ts";
import type { GraphContext } from "./context.ts";
import {
  currentSnapshot,
  DEFAULT_DELTA_PAGE_SIZE,
  type DeltaRound,
  diffSnapshots,
  storeRound,
  takeRound,
} from "./delta.ts";
import { renderEvent } from "./event-render.ts";
import { calendarOf, mailboxOf } from "./event-routes.ts";
import { READ_CALENDARS, requireScope } from "./graph-auth.ts";
import { GraphError } from "./graph-errors.ts";
import type { Router, SandboxReply } from "./http-kit.ts";
import { findInstance } from "./instances.ts";
import { preferenceHeaders, readPreferences } from "./prefer-header.ts";
import { parseWindowBound } from "./time-zones.ts";

function startRound(ctx: GraphContext): DeltaRound {
  const query = ctx.req.url.searchParams;
  if (query.has("$select")) {
    throw new GraphError({
      status: 400,
      code: "ErrorInvalidUrlQuery",
      message:
        "The following parameters are not supported with change tracking over the 'CalendarView' resource: '$select'.",
    });
  }
  if (query.has("$expand")) {
    // Delta does not take $expand (so no extended properties): clients read them with a GET of the item.
    throw new GraphError({
      status: 400,
      code: "ErrorInvalidUrlQuery",
      message:
        "The following parameters are not supported with change tracking over the 'CalendarView' resource: '$expand'.",
    });
  }
  const preferences = readPreferences(ctx.req);
  // /me/calendarView/delta tracks the default calendar, as Graph does.
  const calendarId = calendarOf(ctx).id;
  ctx.state.deltaGeneration++;
  const base = {
    mailboxId: mailboxOf(ctx).id,
    calendarId,
    startMs: parseWindowBound(query.get("startDateTime"), "startDateTime"),
    endMs: parseWindowBound(query.get("endDateTime"), "endDateTime"),
    pageSize: preferences.maxPageSize ?? DEFAULT_DELTA_PAGE_SIZE,
    preferTimeZone: preferences.timeZone,
    generation: ctx.state.deltaGeneration,
    issuedMs: ctx.state.now(),
  };
  const snapshot = currentSnapshot(ctx.state, base);
  return { ...base, snapshot, pending: diffSnapshots(new Map(), snapshot) };
}

function nextRound(ctx: GraphContext): DeltaRound {
  const query = ctx.req.url.searchParams;
  const skip = query.get("$skiptoken");
  const delta = query.get("$deltatoken");
  if (skip) {
    const round = takeRound(ctx.state, skip);
    ctx.state.deltaRounds.delete(skip);
    return round;
  }
  if (delta) {
    const previous = takeRound(ctx.state, delta);
    const snapshot = currentSnapshot(ctx.state, previous);
    return {
      ...previous,
      issuedMs: ctx.state.now(),
      snapshot,
      pending: diffSnapshots(previous.snapshot, snapshot),
    };
  }
  return startRound(ctx);
}

/** GET calendarView/delta: nextLink with $skiptoken, then a deltaLink with $deltatoken (reference 2.11). */
function calendarViewDelta(ctx: GraphContext): SandboxReply {
  requireScope(ctx.grant, READ_CALENDARS);
  const round = nextRound(ctx);
  const preferences = readPreferences(ctx.req);
  const pageSize = preferences.maxPageSize ?? round.pageSize;
  const page = round.pending.slice(0, pageSize);
  const rest = round.pending.slice(pageSize);
  const timeZone = preferences.timeZone ?? round.preferTimeZone;
  const value = page.map((entry) => {
    const instance = entry.removed ? null : findInstance(ctx.state, round.mailboxId, entry.id);
    if (!instance)
      return { "@odata.type": "#microsoft.graph.event", id: entry.id, "@removed": { reason: "deleted" } };
    return {
      "@odata.type": "#microsoft.graph.event",
      ...renderEvent(instance, {
        preferTimeZone: timeZone,
        bodyContentType: preferences.bodyContentType,
        select: null,
      }),
    };
  });
  const link = `${ctx.origin}${ctx.req.url.pathname}`;
  const annotation: Record<string, string> = {};
  if (rest.length > 0) {
    const token = storeRound(ctx.state, { ...round, pending: rest, issuedMs: ctx.state.now() });
    annotation["@odata.nextLink"] = `${link}?$skiptoken=${token}`;
  } else {
    const token = storeRound(ctx.state, { ...round, pending: [], issuedMs: ctx.state.now() });
    annotation["@odata.deltaLink"] = `${link}?$deltatoken=${token}`;
  }
  return {
    status: 200,
    headers: preferenceHeaders(preferences),
    body: { "@odata.context": contextUrl(ctx, "events"), ...annotation, value },
  };
}

export function registerDeltaRoutes(router: Router<GraphContext>): void {
  router.add("GET", "/mailbox/calendarView/delta", calendarViewDelta);
  router.add("GET", "/mailbox/calendar/calendarView/delta", calendarViewDelta);
  router.add("GET", "/mailbox/calendars/:calendarId/calendarView/delta", calendarViewDelta);
}
