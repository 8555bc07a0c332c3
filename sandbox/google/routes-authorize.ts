import type { FastifyInstance, FastifyReply } from "fastify";
import { renderConsentPage } from "./consent-page.ts";
import {
  AuthorizePageError,
  AuthorizeRedirectError,
  type AuthorizeRequest,
  approveRedirect,
  errorRedirect,
  parseAuthorizeRequest,
  pickAccount,
} from "./oauth-authorize.ts";
import type { SandboxContext } from "./sandbox-context.ts";

/**
 * `GET /o/oauth2/v2/auth` (3.1): a consent page listing the seeded accounts, or an immediate redirect
 * in auto-approve mode (tests) and for `prompt=none`. The page posts back to `/o/oauth2/v2/auth/approve`.
 */
export function registerAuthorizeRoutes(app: FastifyInstance, context: SandboxContext): void {
  const { state } = context;
  app.get("/o/oauth2/v2/auth", async (request, reply) => {
    const query = request.query as Record<string, string>;
    return handle(reply, query, (parsed) => {
      if (context.autoApprove || parsed.prompts.includes("none")) return redirect(reply, parsed, undefined);
      return reply.type("text/html; charset=utf-8").send(
        renderConsentPage({
          accounts: [...state.accounts.values()],
          query,
          clientId: parsed.client.clientId,
          scopes: parsed.scopes,
        }),
      );
    });
  });

  app.post("/o/oauth2/v2/auth/approve", async (request, reply) => {
    const form = request.body as Record<string, string>;
    const { account, decision, ...query } = form;
    return handle(reply, query, (parsed) => {
      if (decision === "deny") throw new AuthorizeRedirectError("access_denied", parsed);
      return redirect(reply, parsed, account);
    });
  });

  function redirect(reply: FastifyReply, parsed: AuthorizeRequest, email: string | undefined): FastifyReply {
    const account = email === undefined ? pickAccount(state, parsed) : state.accounts.get(email);
    if (!account) throw new AuthorizeRedirectError("access_denied", parsed);
    return reply.redirect(approveRedirect(state, parsed, account).toString(), 302);
  }

  function handle(
    reply: FastifyReply,
    query: Record<string, string>,
    next: (parsed: AuthorizeRequest) => FastifyReply,
  ): FastifyReply {
    try {
      return next(parseAuthorizeRequest(state, query));
    } catch (error) {
      if (error instanceof AuthorizeRedirectError)
        return reply.redirect(errorRedirect(error).toString(), 302);
      if (error instanceof AuthorizePageError) {
        return reply
          .status(400)
          .type("text/html; charset=utf-8")
          .send(
            `<!doctype html><title>Error 400</title><h1>Error 400: ${error.error}</h1><p>${error.message.replace(/[<>&]/g, "")}</p>`,
          );
      }
      throw error;
    }
  }
}
