import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * The host portal's session cookie and CSRF token. The cookie carries the session secret (HttpOnly, so page scripts
 * never see it; SameSite=Lax, Secure when the service is served over https; scoped to /portal). The CSRF token is
 * derived from the secret (HMAC), so it needs no storage: the page reads it from GET /portal/api/session (same
 * origin only) and sends it back in the `x-csrf-token` header of every state-changing request (double submit).
 */
export const PORTAL_COOKIE = "calbridge_portal";
export const CSRF_HEADER = "x-csrf-token";

export function readPortalCookie(header: string | undefined): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === PORTAL_COOKIE) {
      const value = part.slice(eq + 1).trim();
      return /^[A-Za-z0-9_-]{20,100}$/.test(value) ? value : undefined;
    }
  }
  return undefined;
}

export function portalCookie(params: { secret: string; secure: boolean; maxAgeSeconds: number }): string {
  return [
    `${PORTAL_COOKIE}=${params.secret}`,
    "Path=/portal",
    "HttpOnly",
    "SameSite=Lax",
    `Max-Age=${params.maxAgeSeconds}`,
    ...(params.secure ? ["Secure"] : []),
  ].join("; ");
}

export function clearedPortalCookie(secure: boolean): string {
  return portalCookie({ secret: "", secure, maxAgeSeconds: 0 });
}

export function csrfTokenFor(secret: string): string {
  return createHmac("sha256", secret).update("calbridge portal csrf").digest("base64url");
}

export function csrfTokenMatches(secret: string, sent: string | undefined): boolean {
  if (!sent) return false;
  const expected = Buffer.from(csrfTokenFor(secret));
  const given = Buffer.from(sent);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/**
 * A state-changing request must come from the service's own origin (the public URL's, or the one the browser
 * addressed, which a page on another site cannot choose): browsers send `Origin` on every cross-site and every
 * same-origin POST, PUT, PATCH and DELETE. Missing (a non-browser client) is left to the CSRF token.
 */
export function originAllowed(
  origin: string | undefined,
  own: { publicUrl: string; requestOrigin: string },
): boolean {
  if (origin === undefined) return true;
  return origin === new URL(own.publicUrl).origin || origin === own.requestOrigin;
}
