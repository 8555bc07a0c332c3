import { describe, expect, it } from "vitest";
import { ALICE, BOB, CAROL, DENTIST } from "./test-accounts.ts";
import { useGoogleSandbox } from "./test-fixture.ts";
import { loginForTests } from "./test-login.ts";

const fixture = useGoogleSandbox();

async function command(
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fixture.admin(path, body);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("admin API shape (shared with the Microsoft sandbox)", () => {
  it("answers every command with 200 {ok: true, …}", async () => {
    expect(await command("tokens/revoke", { account: ALICE })).toEqual({
      status: 200,
      body: { ok: true, revoked: 0 },
    });
    expect((await command("sync-tokens/expire", {})).body).toMatchObject({ ok: true, expired: 7 });
    expect(await command("throttle", {})).toEqual({ status: 200, body: { ok: true, queued: 1 } });
    expect(await command("notifications", { mode: "drop" })).toEqual({ status: 200, body: { ok: true } });
    expect(
      (await command("events/change", { account: ALICE, eventId: DENTIST, patch: { summary: "x" } })).body,
    ).toMatchObject({
      ok: true,
      id: DENTIST,
      etag: expect.stringMatching(/^"\d+"$/),
    });
    expect(await command("events/delete", { account: ALICE, eventId: DENTIST })).toEqual({
      status: 200,
      body: { ok: true },
    });
    expect((await command("clock", { advanceMs: 1000 })).body).toMatchObject({
      ok: true,
      now: expect.any(String),
    });
    expect(await command("latency", { ms: 0 })).toEqual({ status: 200, body: { ok: true } });
    expect(await command("reset")).toEqual({ status: 200, body: { ok: true } });
  });

  it("resets the clock offset with the rest of the state", async () => {
    const tenDays = 10 * 86_400_000;
    const advanced = Date.parse((await command("clock", { advanceMs: tenDays })).body.now as string);
    expect(advanced).toBeGreaterThan(Date.now() + tenDays - 60_000);
    await command("reset");
    const state = (await (await fetch(`${fixture.url}/_sandbox/state`)).json()) as { now: string };
    expect(Date.parse(state.now)).toBeLessThan(Date.now() + 86_400_000);
  });

  it("defaults count to 1 and rejects unknown accounts and bad bodies", async () => {
    await command("throttle", {});
    const { accessToken } = await loginForTests({ url: fixture.url, account: ALICE });
    const call = () =>
      fetch(`${fixture.url}/calendar/v3/users/me/calendarList`, {
        headers: { authorization: `Bearer ${accessToken}` },
      });
    expect((await call()).status).toBe(403);
    expect((await call()).status).toBe(200);
    expect((await command("throttle", { account: "nobody@example.com" })).status).toBe(404);
    expect(
      (await command("events/change", { account: "nobody@example.com", eventId: DENTIST, patch: {} })).status,
    ).toBe(404);
    expect((await command("throttle", { status: 418 })).status).toBe(400);
  });

  it("adds latency to Calendar API calls and reports state", async () => {
    await command("latency", { ms: 150 });
    const { accessToken } = await loginForTests({ url: fixture.url, account: ALICE });
    const started = performance.now();
    const response = await fetch(`${fixture.url}/calendar/v3/users/me/calendarList`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(response.status).toBe(200);
    // A lower bound only: the request must have waited at least the injected latency.
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    const state = (await (await fetch(`${fixture.url}/_sandbox/state`)).json()) as Record<string, unknown>;
    expect(state).toMatchObject({ latencyMs: 150, tokens: { accessTokens: 1, liveRefreshTokens: 1 } });
    expect(Object.keys(state)).toEqual(
      expect.arrayContaining([
        "now",
        "accounts",
        "clients",
        "calendars",
        "throttle",
        "notifications",
        "channels",
        "outbox",
      ]),
    );
  });

  it("records a guest's answer on the organizer's event, its guests' copies too, without a new sequence", async () => {
    const standup = "b0b000000000000000000000002";
    const before = fixture.sandbox.state.calendars.get(BOB)!.events.get(standup)!.event;
    const answer = await command("events/respond", {
      account: BOB,
      eventId: standup,
      attendee: CAROL,
      responseStatus: "tentative",
      comment: "may be late",
    });
    expect(answer.body).toMatchObject({ ok: true, id: standup });
    const after = fixture.sandbox.state.calendars.get(BOB)!.events.get(standup)!.event;
    expect(after.attendees?.find((a) => a.email === CAROL)).toMatchObject({
      responseStatus: "tentative",
      comment: "may be late",
    });
    expect(after.etag).not.toBe(before.etag);
    expect(after.sequence).toBe(before.sequence);
    const copy = fixture.sandbox.state.calendars.get(CAROL)!.events.get(standup)!.event;
    expect(copy.attendees?.find((a) => a.email === CAROL)?.responseStatus).toBe("tentative");
    expect(
      (
        await command("events/respond", {
          account: BOB,
          eventId: standup,
          attendee: "x@y.z",
          responseStatus: "accepted",
        })
      ).status,
    ).toBe(404);
    expect(
      (
        await command("events/respond", {
          account: BOB,
          eventId: standup,
          attendee: CAROL,
          responseStatus: "maybe",
        })
      ).status,
    ).toBe(400);
  });

  it("switches Meet creation between pending, immediate and failure", async () => {
    expect(await command("conference", { mode: "immediate" })).toEqual({ status: 200, body: { ok: true } });
    const state = (await (await fetch(`${fixture.url}/_sandbox/state`)).json()) as Record<string, unknown>;
    expect(state.conference).toEqual({ mode: "immediate", readyAfterMs: 0 });
    expect((await command("conference", { mode: "later" })).status).toBe(400);
    await command("reset");
    const reset = (await (await fetch(`${fixture.url}/_sandbox/state`)).json()) as Record<string, unknown>;
    expect(reset.conference).toEqual({ mode: "pending", readyAfterMs: 0 });
  });
});
