import type { SourceAccount } from "../../core/sync/calendar-source.ts";
import type { OAuthProviderSettings, OAuthTokens } from "../oauth-client.ts";
import { mapGoogleTokenFailure } from "./google-errors.ts";
import { googleIdClaimsSchema } from "./google-schemas.ts";

/**
 * Google as an OAuth provider (provider-protocols Part 3): the web-server flow with PKCE, `access_type=offline` and
 * `prompt=consent` (a refresh token comes back only on a consent that grants it), and `include_granted_scopes=true`.
 *
 * Scopes, kept to what is used: `openid email` (who connected: the ID token's sub and email),
 * `calendar.calendarlist.readonly` (which calendars there are) and `calendar.events` (busy time, channels, the
 * bookings written into the calendar), plus `calendar.freebusy` when rooms are enabled. With granular consent the user may untick a calendar scope: the granted set
 * is checked after the code exchange and a partial grant is refused with `scope_not_granted`.
 */
export interface GoogleSettings {
  clientId: string;
  clientSecret: string | undefined;
  /** https://accounts.google.com/o/oauth2/v2/auth, or the sandbox. */
  authUrl: string;
  /** https://oauth2.googleapis.com/token, or the sandbox. */
  tokenUrl: string;
  /** https://www.googleapis.com/calendar/v3, or the sandbox. */
  apiUrl: string;
  /** GOOGLE_ROOMS: event types may name rooms (resource calendars), read through freebusy.query. */
  rooms?: boolean;
}

const CALENDAR = "https://www.googleapis.com/auth/calendar";

/** The calendar scopes the service cannot work without (openid/email only name the account). */
export const GOOGLE_CALENDAR_SCOPES = [`${CALENDAR}.calendarlist.readonly`, `${CALENDAR}.events`] as const;
export const GOOGLE_SCOPES = ["openid", "email", ...GOOGLE_CALENDAR_SCOPES] as const;

/** Broader scopes a grant may hold instead (an earlier grant kept by include_granted_scopes). */
const impliedBy: Record<string, string[]> = {
  [`${CALENDAR}.calendarlist.readonly`]: [CALENDAR, `${CALENDAR}.readonly`, `${CALENDAR}.calendarlist`],
  [`${CALENDAR}.events`]: [CALENDAR],
};

export function googleOAuthSettings(settings: GoogleSettings): OAuthProviderSettings {
  const tokenUrl = new URL(settings.tokenUrl);
  return {
    provider: "google",
    // Google's ID tokens are issued by the origin of its authorization endpoint (https://accounts.google.com).
    issuer: new URL(settings.authUrl).origin,
    // Google documents `iss` as https://accounts.google.com or accounts.google.com: both are Google.
    issuerAliases: [new URL(settings.authUrl).host],
    authorizationEndpoint: settings.authUrl,
    tokenEndpoint: settings.tokenUrl,
    // oauth2.googleapis.com/revoke beside /token.
    revocationEndpoint: new URL("revoke", tokenUrl).href,
    clientId: settings.clientId,
    clientSecret: settings.clientSecret,
    // Rooms' busy time is freebusy.query on their resource calendars: asked for only when rooms are used.
    scopes: settings.rooms ? [...GOOGLE_SCOPES, `${CALENDAR}.freebusy`] : GOOGLE_SCOPES,
    authorizeParams: { access_type: "offline", prompt: "consent", include_granted_scopes: "true" },
    mapTokenFailure: mapGoogleTokenFailure,
  };
}

/** The calendar scopes missing from a granted set (the token response's space-separated `scope`). */
export function missingGoogleScopes(granted: string | undefined): string[] {
  const have = new Set((granted ?? "").split(/\s+/).filter(Boolean));
  return GOOGLE_CALENDAR_SCOPES.filter(
    (scope) => !have.has(scope) && !(impliedBy[scope] ?? []).some((broader) => have.has(broader)),
  );
}

/** Refuses a grant that lacks a calendar scope: the error code the browser goes back with, or undefined. */
export function checkGoogleGrant(tokens: OAuthTokens): string | undefined {
  // A token response without `scope` is taken as granting what was asked (RFC 6749 5.1); Google always sends it.
  if (tokens.scope === undefined) return undefined;
  return missingGoogleScopes(tokens.scope).length > 0 ? "scope_not_granted" : undefined;
}

/** Who connected, from the ID token: `sub` is the stable account id; `hd` marks a Workspace account. */
export function googleAccountOf(tokens: OAuthTokens): SourceAccount | undefined {
  const claims = googleIdClaimsSchema.safeParse(tokens.idClaims);
  if (!claims.success) return undefined;
  const email = claims.data.email ?? "";
  return {
    id: claims.data.sub,
    email,
    displayName: claims.data.name ?? email,
    kind: claims.data.hd ? "work" : "personal",
  };
}
