import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { GoogleApiError, notFound } from "./errors.ts";
import { presentEvent } from "./event-view.ts";
import { deleteEvent, patchEvent, type WriteContext } from "./event-writes.ts";
import type { SandboxContext } from "./sandbox-context.ts";

/**
 * The sandbox-only admin API under `/_sandbox/` (same shape as the Microsoft sandbox's): fault
 * injection and changes "from outside" that a real provider would cause by itself.
 */

const schemas = {
  revoke: z.union([z.object({ account: z.string() }), z.object({ refreshToken: z.string() })]),
  expire: z.object({ account: z.string().optional() }),
  throttle: z.object({
    count: z.number().int().min(1),
    status: z.union([z.literal(403), z.literal(429), z.literal(500), z.literal(503)]).default(403),
    reason: z.enum(["rateLimitExceeded", "userRateLimitExceeded"]).default("rateLimitExceeded"),
    retryAfter: z.string().nullable().default(null),
    account: z.string().optional(),
  }),
  notifications: z.object({
    mode: z.enum(["drop", "delay", "normal"]),
    count: z.number().int().min(1).optional(),
    delayMs: z.number().int().min(0).default(0),
  }),
  change: z.object({
    account: z.string(),
    calendarId: z.string().optional(),
    eventId: z.string(),
    patch: z.record(z.string(), z.unknown()),
  }),
  remove: z.object({ account: z.string(), calendarId: z.string().optional(), eventId: z.string() }),
  clock: z.object({ advanceMs: z.number().int().min(0) }),
};

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body ?? {});
  if (!result.success) {
    throw new GoogleApiError({ code: 400, reason: "invalid", message: z.prettifyError(result.error) });
  }
  return result.data;
}

export function registerAdminRoutes(app: FastifyInstance, context: SandboxContext): void {
  const { state } = context;

  // The acting user makes the change directly in Google, so no permission checks and no mail.
  const outside = (account: string, calendarId: string | undefined): WriteContext => {
    const calendar = state.calendars.get(
      calendarId === undefined || calendarId === "primary" ? account : calendarId,
    );
    if (!calendar) throw notFound();
    return { state, calendar, account, sendUpdates: "none", conferenceDataVersion: 1, sequence: "always" };
  };

  app.post("/_sandbox/tokens/revoke", async (request) => {
    const body = parse(schemas.revoke, request.body);
    if ("account" in body) return { revoked: state.oauth.revokeAccount(body.account) };
    return { revoked: state.oauth.revoke(body.refreshToken) ? 1 : 0 };
  });

  app.post("/_sandbox/sync-tokens/expire", async (request) => {
    const { account } = parse(schemas.expire, request.body);
    let expired = 0;
    for (const calendar of state.calendars.values()) {
      if (account === undefined || calendar.seed.access[account] !== undefined) {
        calendar.syncEpoch += 1;
        expired += 1;
      }
    }
    return { expiredCalendars: expired };
  });

  app.post("/_sandbox/throttle", async (request) => {
    const body = parse(schemas.throttle, request.body);
    state.throttle.add({
      remaining: body.count,
      status: body.status,
      reason: body.reason,
      retryAfter: body.retryAfter,
      ...(body.account === undefined ? {} : { account: body.account }),
    });
    return { pending: state.throttle.pending() };
  });

  app.post("/_sandbox/notifications", async (request) => {
    const body = parse(schemas.notifications, request.body);
    const remaining = body.count ?? null;
    state.channels.mode =
      body.mode === "normal"
        ? { mode: "normal" }
        : body.mode === "drop"
          ? { mode: "drop", remaining }
          : { mode: "delay", remaining, delayMs: body.delayMs };
    return { mode: state.channels.mode };
  });

  app.post("/_sandbox/events/change", async (request) => {
    const body = parse(schemas.change, request.body);
    const ctx = outside(body.account, body.calendarId);
    const event = patchEvent(ctx, body.eventId, body.patch);
    return presentEvent(event, {
      account: body.account,
      calendarId: ctx.calendar.seed.id,
      timeZone: ctx.calendar.seed.timeZone,
    });
  });

  app.post("/_sandbox/events/delete", async (request, reply) => {
    const body = parse(schemas.remove, request.body);
    deleteEvent(outside(body.account, body.calendarId), body.eventId);
    return reply.status(204).send();
  });

  app.post("/_sandbox/clock", async (request) => {
    const { advanceMs } = parse(schemas.clock, request.body);
    state.clock.advance(advanceMs);
    return { now: new Date(state.now()).toISOString() };
  });

  app.post("/_sandbox/reset", async (_request, reply) => {
    state.reset();
    return reply.status(204).send();
  });

  app.get("/_sandbox/state", async () => ({
    now: new Date(state.now()).toISOString(),
    generation: state.generation,
    changeSeq: state.changeSeq,
    accounts: [...state.accounts.values()].map(({ email, kind, name }) => ({ email, kind, name })),
    calendars: [...state.calendars.values()].map((calendar) => ({
      id: calendar.seed.id,
      kind: calendar.seed.kind,
      events: calendar.events.size,
      syncEpoch: calendar.syncEpoch,
    })),
    tokens: state.oauth.summary(),
    throttle: state.throttle.pending(),
    notifications: { mode: state.channels.mode, deliveries: state.channels.deliveries },
    channels: state.channels.list(),
    outbox: state.outbox,
  }));
}
