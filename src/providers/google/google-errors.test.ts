import { describe, expect, it } from "vitest";
import type { ProviderHttpResult } from "../provider-http.ts";
import { isGoogleThrottled, mapGoogleFailure, mapGoogleTokenFailure } from "./google-errors.ts";

const answer = (status: number, reason?: string, retryAfterMs: number | null = null): ProviderHttpResult => ({
  kind: "response",
  status,
  headers: new Headers(),
  body: reason
    ? JSON.stringify({
        error: { errors: [{ domain: "usageLimits", reason, message: "x" }], code: status, message: "x" },
      })
    : "",
  retryAfterMs,
});

describe("Google failures", () => {
  it.each([
    [429, undefined, "rate_limited"],
    [403, "rateLimitExceeded", "rate_limited"],
    [403, "userRateLimitExceeded", "rate_limited"],
    [403, "quotaExceeded", "rate_limited"],
    [403, "forbiddenForNonOrganizer", "auth_revoked"],
    [401, "authError", "auth_revoked"],
    [410, "fullSyncRequired", "sync_cursor_invalid"],
    [410, "updatedMinTooLongAgo", "sync_cursor_invalid"],
    [410, "deleted", "not_found"],
    [404, "notFound", "not_found"],
    [409, "duplicate", "conflict"],
    [412, "conditionNotMet", "conflict"],
    [503, undefined, "unavailable"],
    [400, "timeRangeEmpty", "invalid_data"],
  ])("%i %s is %s", (status, reason, kind) => {
    expect(mapGoogleFailure(answer(status, reason)).kind).toBe(kind);
  });

  it("backs off on 429 and 403 rate limits only", () => {
    expect(isGoogleThrottled({ status: 429, body: "" })).toBe(true);
    const body403 = (reason: string) => JSON.stringify({ error: { errors: [{ reason }], code: 403 } });
    expect(isGoogleThrottled({ status: 403, body: body403("userRateLimitExceeded") })).toBe(true);
    expect(isGoogleThrottled({ status: 403, body: body403("quotaExceeded") })).toBe(false);
    expect(isGoogleThrottled({ status: 403, body: body403("insufficientPermissions") })).toBe(false);
  });

  it("takes every invalid_grant (revoked, expired, the 7-day Testing limit) as needs the user back", () => {
    const token = (status: number, error: string) => ({
      ...answer(status),
      body: JSON.stringify({ error, error_description: "Token has been expired or revoked." }),
    });
    expect(mapGoogleTokenFailure(token(400, "invalid_grant")).kind).toBe("auth_revoked");
    expect(mapGoogleTokenFailure(token(401, "invalid_client")).message).toMatch(/GOOGLE_CLIENT_ID/);
    expect(mapGoogleTokenFailure(token(500, "internal_failure")).kind).toBe("unavailable");
    // No provider text passes through.
    expect(mapGoogleTokenFailure(token(400, "invalid_grant")).message).not.toMatch(/expired or revoked/);
  });
});
