import { existsSync, readFileSync } from "node:fs";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance, FastifyReply } from "fastify";
import { frameAncestorsDirective } from "../../core/bookings/booking-page-settings.ts";
import type { Database } from "../../store/database.ts";
import { findTenantBySlug } from "../../store/tenants-repository.ts";
import { AppError } from "../errors.ts";
import { readWebShell, sendWebShell, WEB_DIST } from "../web-shell.ts";

/**
 * Serves the web UI built by Vite (`npm run build` → web/dist): hashed assets under /ui/, the public booking page at
 * /{tenantSlug}/{eventTypeSlug} and the host portal at /portal. The pages are single-page apps that talk to the HTTP
 * API only, so the server hands out the same HTML shell for every path of a page.
 */
export { WEB_DIST };

/** First path segments that belong to the API or the service, never to a tenant's booking page. */
const RESERVED_FIRST_SEGMENTS = new Set([
  "v1",
  "ui",
  "docs",
  "portal",
  "openapi.json",
  "healthz",
  "readyz",
  "metrics",
]);

export interface WebUiOptions {
  /** Where the built assets are (tests may point at another build). */
  distDir?: string;
  /** Reads the tenant's booking page settings (which origins may frame the page); without it only 'self' may. */
  db?: Database;
}

export function webUiRoutes(options: WebUiOptions = {}) {
  const distDir = options.distDir ?? WEB_DIST;
  return async (app: FastifyInstance) => {
    const shells = { booking: readWebShell("booking", distDir), portal: readWebShell("portal", distDir) };
    const built = shells.booking !== undefined && shells.portal !== undefined;

    if (built) {
      await app.register(fastifyStatic, {
        root: `${distDir}assets`,
        prefix: "/ui/assets/",
        decorateReply: false,
        immutable: true,
        maxAge: "365d",
        index: false,
        wildcard: true,
      });
    }

    const sendShell = (reply: FastifyReply, page: "booking" | "portal", frameAncestors?: string) => {
      const html = shells[page];
      if (!built || html === undefined) {
        throw new AppError(
          "unavailable",
          "The web UI is not built: run `npm run build` (npm install runs it too).",
        );
      }
      return sendWebShell(reply, html, { frameAncestors: frameAncestors ?? "frame-ancestors 'self'" });
    };

    // The embed script (web/public/embed.js): a tenant's site loads it to show the booking page inline or as a pop-up.
    if (built && existsSync(`${distDir}embed.js`)) {
      const embed = readFileSync(`${distDir}embed.js`, "utf8");
      app.get("/ui/embed.js", { schema: { hide: true } }, async (_request, reply) =>
        reply
          .header("content-type", "text/javascript; charset=utf-8")
          .header("cache-control", "public, max-age=300")
          .header("access-control-allow-origin", "*")
          .header("cross-origin-resource-policy", "cross-origin")
          .send(embed),
      );
    }

    app.get("/portal", { schema: { hide: true } }, async (_request, reply) => sendShell(reply, "portal"));
    app.get("/portal/*", { schema: { hide: true } }, async (_request, reply) => sendShell(reply, "portal"));
    app.get<{ Params: { tenantSlug: string } }>(
      "/:tenantSlug/:eventTypeSlug",
      { schema: { hide: true } },
      async (request, reply) => {
        // An unknown API path stays a JSON 404 rather than a booking page.
        if (RESERVED_FIRST_SEGMENTS.has(request.params.tenantSlug)) throw new AppError("not_found");
        // The tenant's embedding origins may frame its booking pages (CSP frame-ancestors).
        const tenant = options.db ? await findTenantBySlug(options.db, request.params.tenantSlug) : undefined;
        return sendShell(reply, "booking", frameAncestorsDirective(tenant?.bookingPage));
      },
    );
  };
}
