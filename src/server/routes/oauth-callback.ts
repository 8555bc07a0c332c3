import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { type ConnectFlowDeps, completeConnect } from "../../sync/connect-flow.ts";

/**
 * Where the provider sends the host's browser after the consent screen: `/auth/{provider}/callback`. No API key (it
 * is a browser redirect); the single-use `state` is what ties it to a connect attempt. With a valid state the
 * browser goes on to the tenant's returnUrl with the outcome; without one there is nowhere safe to send it, so a
 * short page says what to do.
 */
function page(title: string, text: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${title}</title></head><body style="font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem"><h1>${title}</h1><p>${text}</p></body></html>`;
}

export function oauthCallbackRoutes(deps: ConnectFlowDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/auth/:provider/callback",
      {
        config: { freeTextQuery: true },
        schema: {
          hide: true,
          params: z.object({ provider: z.enum(["microsoft", "google"]) }),
          querystring: z.record(z.string(), z.union([z.string(), z.array(z.string())])),
        },
      },
      async (request, reply) => {
        const query = new URLSearchParams();
        for (const [key, value] of Object.entries(request.query))
          for (const item of Array.isArray(value) ? value : [value]) query.append(key, item);
        const outcome = await completeConnect(deps, { provider: request.params.provider, query });
        reply.header("cache-control", "no-store").header("referrer-policy", "no-referrer");
        if (outcome.kind === "invalid_state") {
          return reply
            .status(400)
            .header("content-type", "text/html; charset=utf-8")
            .header("content-security-policy", "default-src 'none'; style-src 'unsafe-inline'")
            .send(
              page(
                "This link has expired",
                "This sign-in link was already used, has expired (links last 10 minutes) or is not valid. Go back to the app and connect your calendar again.",
              ),
            );
        }
        request.log.info(
          { connectionId: outcome.connectionId, status: outcome.status, error: outcome.error },
          "calendar connect finished",
        );
        return reply.redirect(outcome.location, 303);
      },
    );
  };
}
