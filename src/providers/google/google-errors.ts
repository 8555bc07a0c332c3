import type { SourceError } from "../../core/sync/calendar-source.ts";
import { heldBackError, type ProviderHttpResult } from "../provider-http.ts";
import { googleErrorSchema, googleTokenErrorSchema } from "./google-schemas.ts";

/**
 * Google Calendar and Google OAuth failures mapped to the port's typed set at the adapter boundary (provider-protocols
 * 3.4, 4.7). Google is keyed on HTTP status plus `errors[0].reason`: a 403 is a rate limit, a usage limit or a
 * missing permission depending on it. Messages are fixed sentences plus the reason: no provider text is stored.
 */
function readJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

export function googleErrorReason(body: string): string | undefined {
  const parsed = googleErrorSchema.safeParse(readJson(body));
  return parsed.success ? parsed.data.error.errors?.[0]?.reason : undefined;
}

const rateLimitReasons = new Set(["rateLimitExceeded", "userRateLimitExceeded"]);

/** What the shared HTTP layer backs off on: 429, and 403 with a rate-limit reason (treated alike, 4.7). */
export function isGoogleThrottled(answer: { status: number; body: string }): boolean {
  if (answer.status === 429) return true;
  return answer.status === 403 && rateLimitReasons.has(googleErrorReason(answer.body) ?? "");
}

export function mapGoogleFailure(result: ProviderHttpResult): SourceError {
  if (result.kind === "held") return heldBackError(result);
  if (result.kind === "network") {
    return {
      kind: "unavailable",
      message:
        result.reason === "timeout"
          ? "Google Calendar did not answer in time"
          : "Google Calendar could not be reached",
    };
  }
  const reason = googleErrorReason(result.body);
  const suffix = reason ? ` (${result.status} ${reason.slice(0, 60)})` : ` (${result.status})`;
  if (isGoogleThrottled(result))
    return {
      kind: "rate_limited",
      retryAfterMs: result.retryAfterMs,
      message: `throttled by Google Calendar${suffix}`,
    };
  // Abuse limits (too many creates or invitations): a long pause, not a hammering retry.
  if (result.status === 403 && reason === "quotaExceeded")
    return {
      kind: "rate_limited",
      retryAfterMs: result.retryAfterMs ?? 15 * 60_000,
      message: `Google Calendar usage limits exceeded${suffix}`,
    };
  // 410 is an expired sync token (fullSyncRequired, updatedMinTooLongAgo) on reads; on a delete, `deleted` means
  // the event is already gone, which the caller treats as not found.
  if (result.status === 410 && reason === "deleted")
    return { kind: "not_found", message: `already deleted in Google Calendar${suffix}` };
  if (result.status === 410)
    return { kind: "sync_cursor_invalid", message: `the sync token expired${suffix}` };
  if (result.status === 401)
    return { kind: "auth_revoked", message: `Google refused the access token${suffix}` };
  if (result.status === 403)
    return { kind: "auth_revoked", message: `Google denied access: a permission is missing${suffix}` };
  if (result.status === 404) return { kind: "not_found", message: `not found in Google Calendar${suffix}` };
  if (result.status === 409 || result.status === 412)
    return { kind: "conflict", message: `the item changed in Google Calendar meanwhile${suffix}` };
  if (result.status >= 500)
    return { kind: "unavailable", message: `Google Calendar is unavailable${suffix}` };
  return { kind: "invalid_data", message: `Google Calendar refused the request${suffix}` };
}

/**
 * Token endpoint failures (3.4): every way a refresh token dies (revoked, unused for 6 months, the 7-day limit of
 * apps in Testing status, too many tokens) is `invalid_grant`: the host must connect again. A bad client is the
 * operator's problem; 5xx is retried later.
 */
export function mapGoogleTokenFailure(result: ProviderHttpResult): SourceError {
  if (result.kind !== "response") return mapGoogleFailure(result);
  const parsed = googleTokenErrorSchema.safeParse(readJson(result.body));
  if (!parsed.success || result.status >= 500 || result.status === 429)
    return { kind: "unavailable", message: `the Google token endpoint is unavailable (${result.status})` };
  const { error } = parsed.data;
  if (error === "invalid_client" || error === "unauthorized_client" || error === "redirect_uri_mismatch")
    return {
      kind: "unavailable",
      message: `Google refused this service's OAuth client (${error}): check GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET`,
    };
  if (error === "invalid_grant")
    return { kind: "auth_revoked", message: "Google needs the user to sign in again (invalid_grant)" };
  return {
    kind: "invalid_data",
    message: `the Google token endpoint refused the request (${error.slice(0, 60)})`,
  };
}
