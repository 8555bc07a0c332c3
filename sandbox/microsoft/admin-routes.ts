import type { SandboxContext } from "./context.ts";
import { expireDeltaTokens } from "./delta.ts";
import { parseEventInput } from "./event-input.ts";
import { deleteEvent, updateEvent } from "./event-store.ts";
import { GraphError, itemNotFound } from "./graph-errors.ts";
import { parseJsonBody, type Router, type SandboxReply } from "./http-kit.ts";
import { findInstance } from "./instances.ts";
import type { DateTimeTimeZone, GraphAttendee, Mailbox } from "./model.ts";
import type { LifecycleEvent } from "./subscriptions.ts";

/**
 * Sandbox-only admin API under /_sandbox/ (same shape as the Google sandbox): fault injection and
 * "edits from outside" for tests. Never part of the real service.
 */
type Body = Record<string, unknown>;

function body(ctx: SandboxContext): Body {
  return parseJsonBody(ctx.req) as Body;
}

function account(ctx: SandboxContext, value: unknown, required: boolean): Mailbox | null {
  if (value === undefined || value === null) {
    if (required) throw new GraphError({ status: 400, code: "BadRequest", message: "account is required." });
    return null;
  }
  const mailbox = ctx.state.findMailbox(String(value));
  if (!mailbox)
    throw new GraphError({
      status: 404,
      code: "ErrorInvalidUser",
      message: `Unknown account '${String(value)}'.`,
    });
  return mailbox;
}

const ok = (extra: Body = {}): SandboxReply => ({ status: 200, body: { ok: true, ...extra } });

function revoke(ctx: SandboxContext): SandboxReply {
  const b = body(ctx);
  let revoked = 0;
  if (typeof b.refreshToken === "string") {
    const grant = ctx.state.refreshTokens.get(b.refreshToken);
    if (grant) {
      grant.revoked = {
        aadsts: 70008,
        message:
          "The provided authorization code or refresh token has expired due to inactivity or was revoked.",
      };
      revoked++;
    }
  } else {
    // "Revoke sessions" / password change: every refresh token dies with AADSTS50173 (reference 1.5).
    const mailbox = account(ctx, b.account, true)!;
    for (const grant of ctx.state.refreshTokens.values()) {
      if (grant.mailboxId !== mailbox.id) continue;
      grant.revoked = {
        aadsts: 50173,
        message:
          "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.",
      };
      revoked++;
    }
    for (const [token, grant] of ctx.state.accessTokens)
      if (grant.mailboxId === mailbox.id) ctx.state.accessTokens.delete(token);
    ctx.subscriptions.reauthorizationRequired(mailbox.id);
  }
  return ok({ revoked });
}

function throttle(ctx: SandboxContext): SandboxReply {
  const b = body(ctx);
  const count = Number(b.count ?? 1);
  const status = Number(b.status ?? 429);
  if (![429, 503, 504].includes(status))
    throw new GraphError({ status: 400, code: "BadRequest", message: "status must be 429, 503 or 504." });
  const retryAfter = b.retryAfter === null ? null : String(b.retryAfter ?? "2");
  const mailboxId = account(ctx, b.account, false)?.id ?? null;
  for (let i = 0; i < count; i++)
    ctx.state.throttleQueue.push({ status: status as 429 | 503 | 504, retryAfter, mailboxId });
  return ok({ queued: ctx.state.throttleQueue.length });
}

function notifications(ctx: SandboxContext): SandboxReply {
  const b = body(ctx);
  const mode = String(b.mode ?? "normal");
  if (mode !== "drop" && mode !== "delay" && mode !== "normal")
    throw new GraphError({ status: 400, code: "BadRequest", message: "mode must be drop, delay or normal." });
  ctx.subscriptions.mode = {
    mode,
    remaining: mode === "normal" ? 0 : Number(b.count ?? 1),
    delayMs: Number(b.delayMs ?? 0),
  };
  return ok();
}

/** As if the owner edited or deleted the event in Outlook: new changeKey, delta and notifications follow. */
function targetInstance(ctx: SandboxContext, b: Body) {
  const mailbox = account(ctx, b.account, true)!;
  const instance = findInstance(ctx.state, mailbox.id, String(b.eventId ?? ""));
  if (!instance) throw itemNotFound();
  return { mailbox, instance };
}

function invalidProposal(): GraphError {
  return new GraphError({
    status: 400,
    code: "ErrorInvalidRequest",
    message: "proposedNewTime needs a tentative answer or a decline, with start and end as dateTimeTimeZone",
  });
}

/** A Graph timeSlot `{start, end}` of dateTimeTimeZone values, or undefined when none was given. */
function proposedTimeOf(value: unknown): GraphAttendee["proposedNewTime"] {
  if (value === undefined || value === null) return undefined;
  const slot = value as { start?: Partial<DateTimeTimeZone>; end?: Partial<DateTimeTimeZone> };
  const valid = (point: Partial<DateTimeTimeZone> | undefined): point is DateTimeTimeZone =>
    typeof point?.dateTime === "string" &&
    typeof point.timeZone === "string" &&
    !Number.isNaN(Date.parse(point.dateTime));
  if (!valid(slot.start) || !valid(slot.end)) throw invalidProposal();
  return {
    start: { dateTime: slot.start.dateTime, timeZone: slot.start.timeZone },
    end: { dateTime: slot.end.dateTime, timeZone: slot.end.timeZone },
  };
}

export function registerAdminRoutes(router: Router<SandboxContext>, reset: () => void): void {
  router.add("POST", "/_sandbox/tokens/revoke", revoke);
  router.add("POST", "/_sandbox/sync-tokens/expire", (ctx) =>
    ok({ expired: expireDeltaTokens(ctx.state, account(ctx, body(ctx).account, false)?.id ?? null) }),
  );
  router.add("POST", "/_sandbox/throttle", throttle);
  router.add("POST", "/_sandbox/latency", (ctx) => {
    ctx.state.latencyMs = Number(body(ctx).ms ?? 0);
    return ok();
  });
  router.add("POST", "/_sandbox/notifications", notifications);
  router.add("POST", "/_sandbox/events/change", (ctx) => {
    const b = body(ctx);
    const { mailbox, instance } = targetInstance(ctx, b);
    const event = updateEvent({ state: ctx.state, mailbox, instance, input: parseEventInput(b.patch ?? {}) });
    return ok({ id: event.id, changeKey: event.changeKey });
  });
  // An attendee outside the sandbox answers the invitation (their reply reaches the organizer's mailbox): the
  // organizer's item records the answer, as Graph shows it in attendees[].status (reference 2.7).
  router.add("POST", "/_sandbox/events/respond", (ctx) => {
    const b = body(ctx);
    const { event } = targetInstance(ctx, b).instance;
    const address = String(b.attendee ?? "").toLowerCase();
    const attendee = event.fields.attendees.find((a) => a.emailAddress.address.toLowerCase() === address);
    if (!attendee) throw itemNotFound();
    const response = String(b.response ?? "");
    if (!["accepted", "tentativelyAccepted", "declined"].includes(response)) throw itemNotFound();
    attendee.status = { response, time: new Date(ctx.state.now()).toISOString().replace(/\.\d{3}Z$/, "Z") };
    // A counter-proposal comes with a tentative answer or a decline only (tentativelyAccept/decline take
    // `proposedNewTime`); it stands on the attendee until their next answer replaces it.
    const proposed = proposedTimeOf(b.proposedNewTime);
    if (proposed && response === "accepted") throw invalidProposal();
    if (proposed) attendee.proposedNewTime = proposed;
    else delete attendee.proposedNewTime;
    ctx.state.touch(event);
    return ok({ id: event.id, changeKey: event.changeKey });
  });
  router.add("POST", "/_sandbox/events/delete", (ctx) => {
    deleteEvent({ state: ctx.state, instance: targetInstance(ctx, body(ctx)).instance });
    return ok();
  });
  router.add("POST", "/_sandbox/subscriptions/lifecycle", async (ctx) => {
    const b = body(ctx);
    const subscription = ctx.subscriptions.subscriptions.get(String(b.subscriptionId ?? ""));
    if (!subscription) throw itemNotFound();
    const delivered = await ctx.subscriptions.sendLifecycle(subscription, String(b.event) as LifecycleEvent);
    return ok({ delivered });
  });
  router.add("POST", "/_sandbox/clock", (ctx) => {
    ctx.state.clock.advance(Number(body(ctx).advanceMs ?? 0));
    ctx.subscriptions.expireDue();
    return ok({ now: new Date(ctx.state.now()).toISOString() });
  });
  router.add("POST", "/_sandbox/reset", () => {
    reset();
    return ok();
  });
  router.add("GET", "/_sandbox/state", (ctx) => ({
    status: 200,
    body: {
      now: new Date(ctx.state.now()).toISOString(),
      accounts: [...ctx.state.mailboxes.values()].map((m) => ({
        id: m.id,
        kind: m.kind,
        userPrincipalName: m.userPrincipalName,
        displayName: m.displayName,
      })),
      apps: [...ctx.state.apps.values()].map((a) => ({
        clientId: a.clientId,
        kind: a.kind,
        redirectUris: a.redirectUris,
      })),
      events: ctx.state.events.size,
      subscriptions: [...ctx.subscriptions.subscriptions.values()].map((s) => ({
        id: s.id,
        resource: s.resource,
        expirationDateTime: new Date(s.expirationMs).toISOString(),
      })),
      deltaTokens: ctx.state.deltaRounds.size,
      refreshTokens: ctx.state.refreshTokens.size,
      tokenGrants: ctx.state.tokenGrants,
      throttleQueue: ctx.state.throttleQueue.length,
      notifications: ctx.subscriptions.mode,
    },
  }));
}
