import { setTimeout as sleep } from "node:timers/promises";
import type { GraphContext, SandboxContext } from "./context.ts";
import { authenticateGraph } from "./graph-auth.ts";
import { accessDenied, GraphError } from "./graph-errors.ts";
import type { Router, SandboxReply } from "./http-kit.ts";
import type { AccessGrant } from "./identity-grants.ts";
import type { Mailbox } from "./model.ts";
import { type ConcurrencyGate, takeInjectedFault } from "./throttling.ts";

interface Target {
  mailbox: Mailbox | null;
  rest: string;
}

/** `/me/...` and `/users/{id|upn}/...` address a mailbox; `/subscriptions` and `/places` do not. */
function resolveTarget(ctx: SandboxContext, grant: AccessGrant, path: string): Target {
  const segments = path.split("/").filter(Boolean);
  const first = segments[0]?.toLowerCase();
  if (first === "me") {
    if (!grant.mailboxId) {
      throw new GraphError({
        status: 400,
        code: "BadRequest",
        message: "/me request is only valid with delegated authentication flow.",
      });
    }
    return {
      mailbox: ctx.state.mailboxes.get(grant.mailboxId) ?? null,
      rest: `/${segments.slice(1).join("/")}`,
    };
  }
  if (first === "users" && segments[1]) {
    const mailbox = ctx.state.findMailbox(decodeURIComponent(segments[1]));
    const inTenant = mailbox && (grant.mailboxId ? true : mailbox.tenantId === grant.tenantId);
    if (!mailbox || !inTenant) {
      throw new GraphError({
        status: 404,
        code: "ErrorInvalidUser",
        message: `The requested user '${decodeURIComponent(segments[1])}' is invalid.`,
      });
    }
    // Delegated tokens reach only the signed-in user's own mailbox (no shared-calendar permissions here).
    if (grant.mailboxId && grant.mailboxId !== mailbox.id) throw accessDenied();
    return { mailbox, rest: `/${segments.slice(2).join("/")}` };
  }
  return { mailbox: null, rest: path };
}

/** Authenticates, applies injected faults and the concurrency limit, then dispatches a Graph request. */
export async function handleGraph(
  ctx: SandboxContext,
  router: Router<GraphContext>,
  gate: ConcurrencyGate,
): Promise<SandboxReply> {
  const path = ctx.req.url.pathname.replace(/^\/v1\.0/i, "") || "/";
  const grant = authenticateGraph(ctx.state, ctx.req);
  const target = resolveTarget(ctx, grant, path);
  const mailboxId = target.mailbox?.id ?? grant.mailboxId;
  const fault = takeInjectedFault(ctx.state, mailboxId);
  if (fault) throw fault;
  const gateKey = `${grant.clientId}\n${mailboxId ?? "tenant"}`;
  gate.enter(gateKey);
  try {
    if (ctx.state.latencyMs > 0) await sleep(ctx.state.latencyMs);
    const match = router.match(ctx.req.method, target.mailbox ? `/mailbox${target.rest}` : target.rest);
    if (match.kind === "method-not-allowed") {
      throw new GraphError({
        status: 405,
        code: "Request_BadRequest",
        message: "The requested method is not supported on this resource.",
      });
    }
    if (match.kind === "not-found") {
      const last = target.rest.split("/").filter(Boolean).pop() ?? "";
      throw new GraphError({
        status: 400,
        code: "BadRequest",
        message: `Resource not found for the segment '${last}'.`,
      });
    }
    ctx.req.params = match.params;
    return await match.handler({ ...ctx, grant, mailbox: target.mailbox });
  } finally {
    gate.leave(gateKey);
  }
}
