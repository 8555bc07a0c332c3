import type { FastifyInstance } from "fastify";
import { Temporal } from "temporal-polyfill";
import { grantFor } from "./api-auth.ts";
import { busyPeriods } from "./busy-time.ts";
import { GoogleApiError, timeRangeEmpty } from "./errors.ts";
import { formatDateTime, parseQueryInstant } from "./event-time.ts";
import type { SandboxContext } from "./sandbox-context.ts";

/**
 * freebusy.query (4.5, trap 13): per-calendar failures stay inside the 200 as `errors` with empty `busy`.
 * Bounds are echoed in UTC with milliseconds; busy periods are `Z` without milliseconds, or in the
 * offset of the request's `timeZone`. Calendars past the 50th get `tooManyCalendarsRequested` [inf].
 */
const MAX_CALENDARS = 50;

interface FreeBusyBody {
  timeMin?: unknown;
  timeMax?: unknown;
  timeZone?: unknown;
  items?: Array<{ id?: unknown }>;
}

export function registerFreeBusyRoutes(app: FastifyInstance, context: SandboxContext): void {
  const { state } = context;
  app.post("/freeBusy", async (request) => {
    const { account } = grantFor(request, "freeBusy");
    const body = (request.body ?? {}) as FreeBusyBody;
    const timeMin = readBound(body.timeMin, "timeMin");
    const timeMax = readBound(body.timeMax, "timeMax");
    if (Temporal.Instant.compare(timeMin, timeMax) >= 0) throw timeRangeEmpty();
    const timeZone = typeof body.timeZone === "string" ? body.timeZone : "UTC";
    const format = (instant: Temporal.Instant): string =>
      timeZone === "UTC"
        ? instant.toString({ fractionalSecondDigits: 0 })
        : formatDateTime(instant, timeZone);
    const calendars: Record<string, unknown> = {};
    (body.items ?? []).forEach((item, index) => {
      const id = typeof item.id === "string" ? item.id : "";
      if (index >= MAX_CALENDARS) {
        calendars[id] = { errors: [{ domain: "global", reason: "tooManyCalendarsRequested" }], busy: [] };
        return;
      }
      const calendar = state.calendars.get(id === "primary" ? account : id);
      if (!calendar || calendar.seed.access[account] === undefined) {
        calendars[id] = { errors: [{ domain: "global", reason: "notFound" }], busy: [] };
        return;
      }
      const busy = busyPeriods({ state, calendar, timeMin, timeMax });
      calendars[id] = {
        busy: busy.map((period) => ({ start: format(period.start), end: format(period.end) })),
      };
    });
    return {
      kind: "calendar#freeBusy",
      timeMin: new Date(timeMin.epochMilliseconds).toISOString(),
      timeMax: new Date(timeMax.epochMilliseconds).toISOString(),
      calendars,
    };
  });
}

function readBound(value: unknown, name: string): Temporal.Instant {
  const instant = typeof value === "string" ? parseQueryInstant(value) : undefined;
  if (!instant) {
    throw new GoogleApiError({
      code: 400,
      reason: value === undefined ? "required" : "invalid",
      message: value === undefined ? `Missing ${name} parameter.` : `Invalid ${name} value.`,
      location: { type: "parameter", name },
    });
  }
  return instant;
}
