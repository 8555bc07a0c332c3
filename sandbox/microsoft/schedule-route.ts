import type { GraphContext } from "./context.ts";
import { mailboxOf } from "./event-routes.ts";
import { READ_CALENDARS, requireScope } from "./graph-auth.ts";
import { GraphError } from "./graph-errors.ts";
import { parseJsonBody, type Router, type SandboxReply } from "./http-kit.ts";
import { type EventInstance, instancesInWindow } from "./instances.ts";
import type { Mailbox } from "./model.ts";
import { preferenceHeaders, readPreferences } from "./prefer-header.ts";
import { dateTimeInZone, epochMsOf } from "./time-zones.ts";

const DIGITS: Record<string, number> = { free: 0, tentative: 1, busy: 2, oof: 3, workingElsewhere: 4 };
/** When items overlap in one slot, the strongest status wins. */
const STRENGTH: Record<string, number> = { free: 0, tentative: 1, workingElsewhere: 2, busy: 3, oof: 4 };

function invalid(message: string): GraphError {
  return new GraphError({ status: 400, code: "ErrorInvalidParameter", message });
}

function availabilityView(
  items: EventInstance[],
  startMs: number,
  endMs: number,
  intervalMs: number,
): string {
  let view = "";
  for (let slot = startMs; slot < endMs; slot += intervalMs) {
    let status = "free";
    for (const item of items) {
      if (item.startMs < slot + intervalMs && item.endMs > slot) {
        const candidate = item.event.fields.showAs in DIGITS ? item.event.fields.showAs : "busy";
        if ((STRENGTH[candidate] ?? 0) > (STRENGTH[status] ?? 0)) status = candidate;
      }
    }
    view += String(DIGITS[status]);
  }
  return view;
}

function scheduleFor(
  ctx: GraphContext,
  mailbox: Mailbox,
  window: { startMs: number; endMs: number; intervalMs: number },
) {
  const zone = readPreferences(ctx.req).timeZone ?? "UTC";
  const calendarId = ctx.state.defaultCalendar(mailbox.id).id;
  const items = instancesInWindow({ state: ctx.state, mailboxId: mailbox.id, calendarId, ...window })
    .filter((item) => !item.event.fields.isCancelled)
    .sort((a, b) => a.startMs - b.startMs);
  const workingHours = mailbox.mailboxSettings.workingHours;
  return {
    scheduleId: mailbox.mail ?? mailbox.userPrincipalName,
    availabilityView: availabilityView(items, window.startMs, window.endMs, window.intervalMs),
    scheduleItems: items.map((item) => {
      // Subject and location are visible only for normal or personal sensitivity (reference 2.8).
      const visible = ["normal", "personal"].includes(item.event.fields.sensitivity);
      return {
        ...(visible ? { isPrivate: false } : {}),
        status: item.event.fields.showAs,
        ...(visible
          ? {
              subject: item.event.fields.subject,
              location: String(item.event.fields.location.displayName ?? ""),
            }
          : {}),
        start: dateTimeInZone(item.startMs, zone),
        end: dateTimeInZone(item.endMs, zone),
      };
    }),
    ...(workingHours ? { workingHours } : {}),
  };
}

/** POST /calendar/getSchedule: per-schedule errors stay inside the 200 (fidelity trap 13). */
function getSchedule(ctx: GraphContext): SandboxReply {
  requireScope(ctx.grant, READ_CALENDARS);
  const caller = mailboxOf(ctx);
  if (caller.kind === "personal") {
    throw new GraphError({
      status: 400,
      code: "ErrorInvalidRequest",
      message: "getSchedule is not supported for personal Microsoft accounts.",
    });
  }
  const body = parseJsonBody(ctx.req) as Record<string, unknown>;
  const schedules = Array.isArray(body.schedules) ? body.schedules.map(String) : [];
  if (schedules.length === 0) throw invalid("The schedules parameter is required.");
  if (schedules.length > 20) throw invalid("The maximum number of schedules is 20.");
  const start = body.startTime as { dateTime: string; timeZone: string } | undefined;
  const end = body.endTime as { dateTime: string; timeZone: string } | undefined;
  if (!start?.dateTime || !end?.dateTime) throw invalid("startTime and endTime are required.");
  const startMs = epochMsOf({ dateTime: start.dateTime, timeZone: start.timeZone || "UTC" });
  const endMs = epochMsOf({ dateTime: end.dateTime, timeZone: end.timeZone || "UTC" });
  const interval = Number(body.availabilityViewInterval ?? 30);
  if (!Number.isInteger(interval) || interval < 5 || interval > 1440) {
    throw invalid("availabilityViewInterval must be between 5 and 1440 minutes.");
  }
  if (endMs <= startMs || endMs - startMs >= 62 * 86_400_000) {
    throw invalid("The requested time window must be positive and shorter than 62 days.");
  }
  const value = schedules.map((address) => {
    const mailbox = ctx.state.findMailbox(address);
    if (!mailbox || mailbox.kind === "personal" || mailbox.tenantId !== caller.tenantId) {
      return {
        scheduleId: address,
        availabilityView: "",
        scheduleItems: [],
        error: {
          message: `The specified mailbox '${address}' could not be found.`,
          responseCode: "ErrorMailRecipientNotFound",
        },
      };
    }
    return scheduleFor(ctx, mailbox, { startMs, endMs, intervalMs: interval * 60_000 });
  });
  return {
    status: 200,
    headers: preferenceHeaders(readPreferences(ctx.req)),
    body: {
      "@odata.context": `${ctx.origin}/v1.0/$metadata#Collection(microsoft.graph.scheduleInformation)`,
      value,
    },
  };
}

export function registerScheduleRoutes(router: Router<GraphContext>): void {
  router.add("POST", "/mailbox/calendar/getSchedule", getSchedule);
}
