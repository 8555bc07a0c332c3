import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance, FastifyReply } from "fastify";
import { AppError } from "../errors.ts";

/**
 * Serves the web UI built by Vite (`npm run build` → web/dist): hashed assets under /ui/, the public booking page at
 * /{tenantSlug}/{eventTypeSlug} and the host portal at /portal. The pages are single-page apps that talk to the HTTP
 * API only, so the server hands out the same HTML shell for every path of a page.
 */
export const WEB_DIST = fileURLToPath(new URL("../../../web/dist/", import.meta.url));

/** Scripts, styles and fonts come only from this origin; the API is same-origin. */
const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: https:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "object-src 'none'",
].join("; ");

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
}

export function webUiRoutes(options: WebUiOptions = {}) {
  const distDir = options.distDir ?? WEB_DIST;
  return async (app: FastifyInstance) => {
    const built = existsSync(`${distDir}booking.html`) && existsSync(`${distDir}portal.html`);
    // Read once: the shells are small and change only with a new build (which restarts the service).
    const shells = built
      ? {
          booking: readFileSync(`${distDir}booking.html`, "utf8"),
          portal: readFileSync(`${distDir}portal.html`, "utf8"),
        }
      : undefined;

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

    const sendShell = (reply: FastifyReply, page: "booking" | "portal") => {
      if (!shells) {
        throw new AppError(
          "unavailable",
          "The web UI is not built: run `npm run build` (npm install runs it too).",
        );
      }
      return reply
        .header("content-type", "text/html; charset=utf-8")
        .header("cache-control", "no-cache")
        .header("content-security-policy", PAGE_CSP)
        .header("referrer-policy", "strict-origin-when-cross-origin")
        .header("x-content-type-options", "nosniff")
        .send(shells[page]);
    };

    app.get("/portal", { schema: { hide: true } }, async (_request, reply) => sendShell(reply, "portal"));
    app.get("/portal/*", { schema: { hide: true } }, async (_request, reply) => sendShell(reply, "portal"));
    app.get<{ Params: { tenantSlug: string } }>(
      "/:tenantSlug/:eventTypeSlug",
      { schema: { hide: true } },
      async (request, reply) => {
        // An unknown API path stays a JSON 404 rather than a booking page.
        if (RESERVED_FIRST_SEGMENTS.has(request.params.tenantSlug)) throw new AppError("not_found");
        return sendShell(reply, "booking");
      },
    );
  };
}
