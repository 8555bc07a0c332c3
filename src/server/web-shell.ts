import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { FastifyReply } from "fastify";

/** Where `npm run build` puts the web UI (web/dist). */
export const WEB_DIST = fileURLToPath(new URL("../../web/dist/", import.meta.url));

export type WebPage = "booking" | "portal";

const shells = new Map<string, string | null>();

/**
 * The built HTML shell of a page, read once (a new build restarts the service); undefined when the UI is not built.
 */
export function readWebShell(page: WebPage, distDir: string = WEB_DIST): string | undefined {
  const file = `${distDir}${page}.html`;
  if (!shells.has(file)) shells.set(file, existsSync(file) ? readFileSync(file, "utf8") : null);
  return shells.get(file) ?? undefined;
}

/** Scripts, styles and fonts come only from this origin; the API is same-origin. */
function pageCsp(frameAncestors: string): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: https:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "object-src 'none'",
    frameAncestors,
  ].join("; ");
}

export function sendWebShell(
  reply: FastifyReply,
  html: string,
  options: { frameAncestors: string; referrerPolicy?: string },
) {
  return reply
    .header("content-type", "text/html; charset=utf-8")
    .header("cache-control", "no-cache")
    .header("content-security-policy", pageCsp(options.frameAncestors))
    .header("referrer-policy", options.referrerPolicy ?? "strict-origin-when-cross-origin")
    .header("x-content-type-options", "nosniff")
    .send(html);
}

/**
 * The booking shell for the attendee links (cancel, reschedule): the same page, which reads the link from its URL.
 * Without JavaScript the browser follows the `<noscript>` refresh to `?nojs=1`: the server-rendered page with its
 * cancel form that works without scripts.
 */
export function attendeeShell(distDir?: string): string | undefined {
  const shell = readWebShell("booking", distDir);
  return shell?.replace(
    "</head>",
    '<noscript><meta http-equiv="refresh" content="0; url=?nojs=1"></noscript></head>',
  );
}
