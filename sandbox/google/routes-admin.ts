import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { GoogleApiError, notFound } from "./errors.ts";
import { deleteEvent, patchEvent, type WriteContext } from "./event-writes.ts";
import { replyAsGuest } from "./guest-replies.ts";
import type { SandboxContext } from "./sandbox-context.ts";

/**
 * The sandbox-only admin API under `/_sandbox/`, in the same shape as the Microsoft sandbox's: every
 * command answers 200 `{ok: true, …}`, `count` defaults to 1, an unknown account is 404. Defaults that
 * are provider-specific differ on purpose: Google throttles with 403 `rateLimitExceeded` and seldom sends
 * Retry-After, so neither default is the Microsoft one (429, "2").
 */

const schemas = {
  revoke: z.union([z.object({ account: z.string() }), z.object({ refreshToken: z.string() })]),
  expire: z.object({ account: z.string().optional() }),
  throttle: z.object({
    count: z.number().int().min(1).default(1),
    status: z.union([z.literal(403), z.literal(429), z.literal(500), z.literal(503)]).default(403),
    reason: z.enum(["rateLimitExceeded", "userRateLimitExceeded"]).default("rateLimitExceeded"),
    retryAfter: z.string().nullable().default(null),
    account: z.string().optional(),
  }),
  notifications: z.object({
    mode: z.enum(["drop", "delay", "normal"]),
    count: z.number().int().min(1).default(1),
    delayMs: z.number().int().min(0).default(0),
  }),
  change: z.object({
    account: z.string(),
    calendarId: z.string().optional(),
    eventId: z.string(),
    patch: z.record(z.string(), z.unknown()),
  }),
  remove: z.object({ account: z.string(), calendarId: z.string().optional(), eventId: z.string() }),
  respond: z.object({
    account: z.string(),
    calendarId: z.string().optional(),
    eventId: z.string(),
    attendee: z.string(),
    responseStatus: z.enum(["needsAction", "accepted", "tentative", "declined"]),
    comment: z.string().optional(),
  }),
  clock: z.object({ advanceMs: z.number().int().min(0) }),
  latency: z.object({ ms: z.number().int().min(0) }),
  conference: z.object({
    mode: z.enum(["pending", "immediate", "failure"]),
    readyAfterMs: z.number().int().min(0).default(0),
  }),
};

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body ?? {});
  if (!result.success) {
    throw new GoogleApiError({ code: 400, reason: "invalid", message: z.prettifyError(result.error) });
  }
  return result.data;
}

const ok = (extra: Record<string, unknown> = {}) => ({ ok: true, ...extra });

export function registerAdminRoutes(app: FastifyInstance, context: SandboxContext): void {
  const { state } = context;

  const knownAccount = (account: string | undefined): void => {
    if (account !== undefined && !state.accounts.has(account)) {
      throw new GoogleApiError({ code: 404, reason: "notFound", message: `Unknown account '${account}'.` });
    }
  };

  // The acting user makes the change directly in Google, so no permission checks and no mail.
  const outside = (account: string, calendarId: string | undefined): WriteContext => {
    knownAccount(account);
    const calendar = state.calendars.get(
      calendarId === undefined || calendarId === "primary" ? account : calendarId,
    );
    if (!calendar) throw notFound();
    return { state, calendar, account, sendUpdates: "none", conferenceDataVersion: 1, sequence: "always" };
  };

  app.post("/_sandbox/tokens/revoke", async (request) => {
    const body = parse(schemas.revoke, request.body);
    if ("refreshToken" in body) return ok({ revoked: state.oauth.revoke(body.refreshToken) ? 1 : 0 });
    knownAccount(body.account);
    return ok({ revoked: state.oauth.revokeAccount(body.account) });
  });

  app.post("/_sandbox/sync-tokens/expire", async (request) => {
    const { account } = parse(schemas.expire, request.body);
    knownAccount(account);
    let expired = 0;
    for (const calendar of state.calendars.values()) {
      if (account === undefined || calendar.seed.access[account] !== undefined) {
        calendar.syncEpoch += 1;
        expired += 1;
      }
    }
    return ok({ expired });
  });

  app.post("/_sandbox/throttle", async (request) => {
    const body = parse(schemas.throttle, request.body);
    knownAccount(body.account);
    state.throttle.add({
      remaining: body.count,
      status: body.status,
      reason: body.reason,
      retryAfter: body.retryAfter,
      ...(body.account === undefined ? {} : { account: body.account }),
    });
    return ok({ queued: state.throttle.pending().reduce((sum, rule) => sum + rule.remaining, 0) });
  });

  app.post("/_sandbox/latency", async (request) => {
    state.latencyMs = parse(schemas.latency, request.body).ms;
    return ok();
  });

  app.post("/_sandbox/conference", async (request) => {
    state.conference = parse(schemas.conference, request.body);
    return ok();
  });

  app.post("/_sandbox/notifications", async (request) => {
    const body = parse(schemas.notifications, request.body);
    state.channels.mode =
      body.mode === "normal"
        ? { mode: "normal" }
        : body.mode === "drop"
          ? { mode: "drop", remaining: body.count }
          : { mode: "delay", remaining: body.count, delayMs: body.delayMs };
    return ok();
  });

  app.post("/_sandbox/events/change", async (request) => {
    const body = parse(schemas.change, request.body);
    const event = patchEvent(outside(body.account, body.calendarId), body.eventId, body.patch);
    return ok({ id: event.id, etag: event.etag });
  });

  // A guest outside the sandbox answers the organizer's invitation (their reply reaches the organizer's event).
  app.post("/_sandbox/events/respond", async (request) => {
    const body = parse(schemas.respond, request.body);
    const { calendar } = outside(body.account, body.calendarId);
    const event = replyAsGuest({
      state,
      calendar,
      eventId: body.eventId,
      attendee: body.attendee,
      responseStatus: body.responseStatus,
      ...(body.comment === undefined ? {} : { comment: body.comment }),
    });
    return ok({ id: event.id, etag: event.etag });
  });

  app.post("/_sandbox/events/delete", async (request) => {
    const body = parse(schemas.remove, request.body);
    deleteEvent(outside(body.account, body.calendarId), body.eventId);
    return ok();
  });

  app.post("/_sandbox/clock", async (request) => {
    state.clock.advance(parse(schemas.clock, request.body).advanceMs);
    return ok({ now: new Date(state.now()).toISOString() });
  });

  app.post("/_sandbox/reset", async () => {
    state.reset();
    return ok();
  });

  app.get("/_sandbox/state", async () => ({
    now: new Date(state.now()).toISOString(),
    generation: state.generation,
    changeSeq: state.changeSeq,
    latencyMs: state.latencyMs,
    conference: state.conference,
    accounts: [...state.accounts.values()].map(({ email, kind, name }) => ({ email, kind, name })),
    clients: state.seed.clients.map(({ clientId, redirectUris, publishingStatus }) => ({
      clientId,
      redirectUris,
      publishingStatus,
    })),
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
