import { beforeEach, describe, expect, it } from "vitest";
import { ALICE, BOB } from "./test-accounts.ts";
import { calendarClientFor } from "./test-calendar-client.ts";
import { useGoogleSandbox } from "./test-fixture.ts";
import { CALENDAR_SCOPE, loginForTests } from "./test-login.ts";

const fixture = useGoogleSandbox();
let aliceToken: string;
let bobToken: string;
beforeEach(async () => {
  aliceToken = (await loginForTests({ url: fixture.url, account: ALICE })).accessToken;
  bobToken = (await loginForTests({ url: fixture.url, account: BOB })).accessToken;
});

async function throttle(body: Record<string, unknown>): Promise<void> {
  expect((await fixture.admin("throttle", body)).status).toBe(200);
}

async function list(
  token: string | undefined,
): Promise<{ status: number; headers: Headers; body: { error?: Record<string, unknown> } }> {
  const response = await fetch(`${fixture.url}/calendar/v3/calendars/primary/events`, {
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as { error?: Record<string, unknown> },
  };
}

describe("injected throttling", () => {
  it.each([
    [{}, 403, "rateLimitExceeded", "usageLimits", "Rate Limit Exceeded"],
    [
      { reason: "userRateLimitExceeded" },
      403,
      "userRateLimitExceeded",
      "usageLimits",
      "User Rate Limit Exceeded",
    ],
    [{ status: 429 }, 429, "rateLimitExceeded", "usageLimits", "Rate Limit Exceeded"],
    [{ status: 500 }, 500, "backendError", "global", "Backend Error"],
    [{ status: 503 }, 503, "backendError", "global", "The service is currently unavailable."],
  ])("fails the next request with %j as %i %s", async (rule, status, reason, domain, message) => {
    await throttle({ count: 1, ...rule });
    const failed = await list(aliceToken);
    expect(failed.status).toBe(status);
    expect(failed.body.error).toMatchObject({ code: status, message, errors: [{ domain, reason, message }] });
    expect(failed.headers.get("retry-after")).toBeNull();
    expect((await list(aliceToken)).status).toBe(200);
  });

  it("counts down N requests, sends Retry-After only when asked, and can target one account", async () => {
    await throttle({ count: 2, status: 429, retryAfter: "3", account: BOB });
    expect((await list(aliceToken)).status).toBe(200);
    const first = await list(bobToken);
    expect([first.status, first.headers.get("retry-after")]).toEqual([429, "3"]);
    expect((await list(bobToken)).status).toBe(429);
    expect((await list(bobToken)).status).toBe(200);
  });

  it("lets the official client's own retry ride out a single 503", async () => {
    const calendar = await calendarClientFor({ url: fixture.url, account: ALICE, retry: true });
    await throttle({ count: 1, status: 503 });
    const { status } = await calendar.events.list({ calendarId: "primary" });
    expect(status).toBe(200);
  });
});

describe("authentication and request errors", () => {
  it("answers missing or unknown bearer tokens with 401 authError", async () => {
    for (const token of [undefined, "ya29.not-a-token"]) {
      const failed = await list(token);
      expect(failed.status).toBe(401);
      expect(failed.headers.get("www-authenticate")).toContain("invalid_token");
      expect(failed.body.error).toMatchObject({
        code: 401,
        status: "UNAUTHENTICATED",
        errors: [
          { domain: "global", reason: "authError", locationType: "header", location: "Authorization" },
        ],
      });
    }
  });

  it("refuses writes to a read-only grant with 403 insufficientPermissions", async () => {
    const { accessToken } = await loginForTests({
      url: fixture.url,
      account: ALICE,
      scopes: [`${CALENDAR_SCOPE}.readonly`],
    });
    expect((await list(accessToken)).status).toBe(200);
    const response = await fetch(`${fixture.url}/calendar/v3/calendars/primary/events`, {
      method: "POST",
      headers: { authorization: `Bearer ${accessToken}`, "content-type": "application/json" },
      body: JSON.stringify({ summary: "x", start: { date: "2030-05-01" }, end: { date: "2030-05-02" } }),
    });
    expect(response.status).toBe(403);
    expect(
      ((await response.json()) as { error: { errors: Array<{ reason: string }> } }).error.errors[0]?.reason,
    ).toBe("insufficientPermissions");
  });

  it("uses the Google envelope for malformed JSON and unknown routes", async () => {
    const malformed = await fetch(`${fixture.url}/calendar/v3/calendars/primary/events`, {
      method: "POST",
      headers: { authorization: `Bearer ${aliceToken}`, "content-type": "application/json" },
      body: "{not json",
    });
    expect(malformed.status).toBe(400);
    expect(
      ((await malformed.json()) as { error: { errors: Array<{ reason: string }> } }).error.errors[0]?.reason,
    ).toBe("parseError");
    const unknown = await fetch(`${fixture.url}/calendar/v3/nothing-here`, {
      headers: { authorization: `Bearer ${aliceToken}` },
    });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: number } }).error.code).toBe(404);
  });
});
