import type { GraphContext } from "./context.ts";
import { READ_CALENDARS, requireScope } from "./graph-auth.ts";
import { GraphError } from "./graph-errors.ts";
import { parseJsonBody, type Router, type SandboxReply } from "./http-kit.ts";
import { newOpaqueToken } from "./ids.ts";
import {
  badSubscription,
  checkNotificationUrl,
  expirationFrom,
  parseResource,
  renderSubscription,
  type Subscription,
} from "./subscription-model.ts";
import { validateEndpoint } from "./webhook-delivery.ts";

const CONTEXT = "$metadata#subscriptions/$entity";

function notFound(): GraphError {
  return new GraphError({ status: 404, code: "ResourceNotFound", message: "The object was not found." });
}

function owned(ctx: GraphContext): Subscription {
  ctx.subscriptions.expireDue();
  const subscription = ctx.subscriptions.subscriptions.get(ctx.req.params.id ?? "");
  if (!subscription || subscription.applicationId !== ctx.grant.clientId) throw notFound();
  return subscription;
}

async function createSubscription(ctx: GraphContext): Promise<SandboxReply> {
  requireScope(ctx.grant, READ_CALENDARS);
  const body = parseJsonBody(ctx.req) as Record<string, unknown>;
  const caller = ctx.grant.mailboxId ? (ctx.state.mailboxes.get(ctx.grant.mailboxId) ?? null) : null;
  const resource = String(body.resource ?? "");
  const { mailbox, calendarId } = parseResource(ctx.state, resource, caller);
  // Delegated permission reaches only the signed-in user's own mailbox (reference 2.12).
  if (caller && mailbox.id !== caller.id)
    throw new GraphError({
      status: 403,
      code: "ExtensionError",
      message: "Operation: Create; Exception: [Status Code: Forbidden; Reason: Access is denied.]",
    });
  const changeTypes = String(body.changeType ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (changeTypes.length === 0 || changeTypes.some((t) => !["created", "updated", "deleted"].includes(t))) {
    throw badSubscription("changeType must be a comma-separated list of created, updated, deleted.");
  }
  const clientState =
    body.clientState === undefined || body.clientState === null ? null : String(body.clientState);
  if (clientState && clientState.length > 128)
    throw badSubscription("clientState must be at most 128 characters.");
  const notificationUrl = String(body.notificationUrl ?? "");
  checkNotificationUrl(notificationUrl, "notificationUrl");
  const lifecycleUrl = body.lifecycleNotificationUrl ? String(body.lifecycleNotificationUrl) : null;
  if (lifecycleUrl) checkNotificationUrl(lifecycleUrl, "lifecycleNotificationUrl");
  const expirationMs = expirationFrom(body.expirationDateTime, ctx.state.now());
  const timeout = ctx.subscriptions.timing.validationTimeoutMs;
  for (const url of lifecycleUrl ? [notificationUrl, lifecycleUrl] : [notificationUrl]) {
    if (
      !(await validateEndpoint(
        url,
        newOpaqueToken("Validation: Testing client application reachability for subscription Request-Id: "),
        timeout,
      ))
    ) {
      throw badSubscription(
        "Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.",
      );
    }
  }
  const subscription: Subscription = {
    id: ctx.subscriptions.newId(),
    resource,
    mailboxId: mailbox.id,
    calendarId,
    changeTypes,
    notificationUrl,
    lifecycleNotificationUrl: lifecycleUrl,
    clientState,
    expirationMs,
    applicationId: ctx.grant.clientId,
    creatorId: caller?.id ?? ctx.grant.clientId,
    tenantId: mailbox.kind === "personal" ? "9188040d-6c67-4c5b-b112-36a304b66dad" : mailbox.tenantId,
  };
  ctx.subscriptions.subscriptions.set(subscription.id, subscription);
  return {
    status: 201,
    body: { "@odata.context": `${ctx.origin}/v1.0/${CONTEXT}`, ...renderSubscription(subscription) },
  };
}

function patchSubscription(ctx: GraphContext): SandboxReply {
  const subscription = owned(ctx);
  const body = parseJsonBody(ctx.req) as Record<string, unknown>;
  if (body.lifecycleNotificationUrl !== undefined) {
    throw badSubscription("lifecycleNotificationUrl can only be set when the subscription is created.");
  }
  if (body.expirationDateTime !== undefined)
    subscription.expirationMs = expirationFrom(body.expirationDateTime, ctx.state.now());
  if (body.notificationUrl !== undefined) {
    checkNotificationUrl(String(body.notificationUrl), "notificationUrl");
    subscription.notificationUrl = String(body.notificationUrl);
  }
  return {
    status: 200,
    body: { "@odata.context": `${ctx.origin}/v1.0/${CONTEXT}`, ...renderSubscription(subscription) },
  };
}

export function registerSubscriptionRoutes(router: Router<GraphContext>): void {
  router.add("POST", "/subscriptions", createSubscription);
  router.add("GET", "/subscriptions", (ctx) => {
    ctx.subscriptions.expireDue();
    const value = [...ctx.subscriptions.subscriptions.values()]
      .filter((s) => s.applicationId === ctx.grant.clientId)
      .map(renderSubscription);
    return { status: 200, body: { "@odata.context": `${ctx.origin}/v1.0/$metadata#subscriptions`, value } };
  });
  router.add("GET", "/subscriptions/:id", (ctx) => ({ status: 200, body: renderSubscription(owned(ctx)) }));
  router.add("PATCH", "/subscriptions/:id", patchSubscription);
  router.add("DELETE", "/subscriptions/:id", (ctx) => {
    ctx.subscriptions.subscriptions.delete(owned(ctx).id);
    return { status: 204 };
  });
  router.add("POST", "/subscriptions/:id/reauthorize", (ctx) => {
    owned(ctx);
    return { status: 204 };
  });
}
