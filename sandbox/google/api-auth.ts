import type { FastifyRequest } from "fastify";
import { GoogleApiError } from "./errors.ts";
import type { AccessGrant } from "./oauth-store.ts";
import type { GoogleSandboxState } from "./state.ts";

/**
 * Bearer authentication and scope checks for the Calendar API (4.7): a missing, unknown, expired or
 * revoked token is 401 `authError` at location `Authorization`; a token without a fitting scope is 403
 * `insufficientPermissions`.
 */

const grants = new WeakMap<FastifyRequest, AccessGrant>();

const CALENDAR = "https://www.googleapis.com/auth/calendar";
export const SCOPES_FOR = {
  read: [
    CALENDAR,
    `${CALENDAR}.readonly`,
    `${CALENDAR}.events`,
    `${CALENDAR}.events.readonly`,
    `${CALENDAR}.events.owned`,
  ],
  write: [CALENDAR, `${CALENDAR}.events`, `${CALENDAR}.events.owned`],
  calendarList: [
    CALENDAR,
    `${CALENDAR}.readonly`,
    `${CALENDAR}.calendarlist.readonly`,
    `${CALENDAR}.calendarlist`,
  ],
  freeBusy: [CALENDAR, `${CALENDAR}.readonly`, `${CALENDAR}.freebusy`, `${CALENDAR}.events.freebusy`],
} as const;

export function authenticateRequest(state: GoogleSandboxState, request: FastifyRequest): AccessGrant {
  const header = request.headers.authorization ?? "";
  const token = /^Bearer\s+(.+)$/i.exec(header)?.[1];
  const grant = token === undefined ? undefined : state.oauth.authenticate(token);
  if (!grant) {
    throw new GoogleApiError({
      code: 401,
      reason: "authError",
      message: "Invalid Credentials",
      location: { type: "header", name: "Authorization" },
      headers: { "www-authenticate": 'Bearer realm="https://accounts.google.com/", error="invalid_token"' },
    });
  }
  grants.set(request, grant);
  return grant;
}

/** The grant authenticated for this request, checked against the scopes the operation needs. */
export function grantFor(request: FastifyRequest, need: keyof typeof SCOPES_FOR): AccessGrant {
  const grant = grants.get(request);
  if (!grant) throw new Error("grantFor called on an unauthenticated route");
  const accepted: readonly string[] = SCOPES_FOR[need];
  if (!grant.scopes.some((scope) => accepted.includes(scope))) {
    throw new GoogleApiError({
      code: 403,
      reason: "insufficientPermissions",
      message: "Request had insufficient authentication scopes.",
    });
  }
  return grant;
}
