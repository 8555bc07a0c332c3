import type { FastifyPluginAsync } from "fastify";
import { recordAudit } from "../../audit/record-audit.ts";
import type { Database } from "../../store/database.ts";
import { createPortalSession, redeemPortalLink } from "../../store/portal-sessions-repository.ts";
import { originAllowed, portalCookie } from "../portal/portal-cookie.ts";
import type { PortalSettings } from "../portal/portal-settings.ts";

export interface PortalSignInDeps {
  db: Database;
  publicUrl: string;
  now: () => Date;
  settings: PortalSettings;
}

/**
 * Redeems a sign-in link. The link opens the portal's landing page (GET /portal/sign-in?token=..., served as the
 * page shell), whose button posts the token here: a mail scanner or chat preview that fetches the link does not use
 * it up. Success sets the session cookie and redirects (303) to /portal; a used, expired or unknown link redirects
 * back to the landing page with `error=used|expired|invalid`, which says so and what to do.
 */
export function portalSignInRoutes(deps: PortalSignInDeps): FastifyPluginAsync {
  return async (app) => {
    app.addContentTypeParser(
      "application/x-www-form-urlencoded",
      { parseAs: "string", bodyLimit: 4096 },
      (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
    );
    app.post<{ Body: Record<string, string> | undefined }>(
      "/portal/sign-in",
      { schema: { hide: true } },
      async (request, reply) => {
        const back = (error: string) => reply.redirect(`/portal/sign-in?error=${error}`, 303);
        // Login CSRF: another site must not sign a browser into a session of its choosing.
        if (
          !originAllowed(request.headers.origin, {
            publicUrl: deps.publicUrl,
            requestOrigin: `${request.protocol}://${request.host}`,
          })
        )
          return back("invalid");
        const token = typeof request.body?.token === "string" ? request.body.token : "";
        if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return back("invalid");
        const now = deps.now();
        const redeemed = await redeemPortalLink(deps.db, { token, now });
        if (!redeemed.ok) return back(redeemed.reason);
        const maxAgeMs = deps.settings.sessionMaxDays * 86_400_000;
        const session = await createPortalSession(deps.db, {
          tenantId: redeemed.tenantId,
          hostId: redeemed.hostId,
          now,
          expiresAt: new Date(now.getTime() + maxAgeMs),
        });
        await recordAudit(deps.db, {
          tenantId: redeemed.tenantId,
          actor: { kind: "portal_session", id: session.sessionId },
          action: "portal.signed_in",
          target: { hostId: redeemed.hostId },
          outcome: "success",
          requestId: request.id,
        });
        return reply
          .header(
            "set-cookie",
            portalCookie({
              secret: session.secret,
              secure: deps.publicUrl.startsWith("https:"),
              maxAgeSeconds: Math.floor(maxAgeMs / 1000),
            }),
          )
          .header("cache-control", "no-store")
          .redirect("/portal", 303);
      },
    );
  };
}
