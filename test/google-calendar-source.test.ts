import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GoogleSandbox, startGoogleSandbox } from "../sandbox/google/server.ts";
import { ALICE, DENTIST } from "../sandbox/google/test-accounts.ts";
import { loginForTests } from "../sandbox/google/test-login.ts";
import type { CalendarSource, PullResult, SyncCursor } from "../src/core/sync/calendar-source.ts";
import { fixedAccessToken } from "../src/providers/access-token-source.ts";
import { createGoogleCalendarSource } from "../src/providers/google/google-calendar-source.ts";
import { createGoogleClient } from "../src/providers/google/google-client.ts";
import { isGoogleThrottled } from "../src/providers/google/google-errors.ts";
import { GOOGLE_SCOPES } from "../src/providers/google/google-oauth.ts";
import { createProviderHttp } from "../src/providers/provider-http.ts";

/**
 * The Google source's paging against the sandbox over real HTTP, with pages of two events: the first fill is a
 * snapshot page followed by delta pages of the same listing (each repeating the window and page token), its last
 * page hands over the sync token, incremental pulls see only changes (deletions as removals) or nothing, and a
 * 403 rate limit in the middle is retried by the shared HTTP layer.
 */
const BASE = Date.parse("2030-01-01T00:00:00Z");
const window = { from: new Date(BASE), to: new Date(BASE + 90 * 86_400_000) };

describe("Google calendar source paging", () => {
  let sandbox: GoogleSandbox;
  let source: CalendarSource;
  const pull = async (cursor: SyncCursor | null): Promise<PullResult> => {
    const answer = await source.pull({ calendarRef: ALICE, cursor, window, hostTimeZone: "Europe/Berlin" });
    if (!answer.ok) throw new Error(`${answer.error.kind}: ${answer.error.message}`);
    return answer.value;
  };

  beforeAll(async () => {
    const t0 = Date.now();
    sandbox = await startGoogleSandbox({ port: 0, autoApprove: true, clock: () => BASE + (Date.now() - t0) });
    const { accessToken } = await loginForTests({
      url: sandbox.url,
      account: ALICE,
      scopes: [...GOOGLE_SCOPES],
    });
    const http = createProviderHttp({
      provider: "google",
      isThrottled: isGoogleThrottled,
      backoff: { baseMs: 10, capMs: 50 },
    });
    const client = createGoogleClient({
      apiUrl: `${sandbox.url}/calendar/v3`,
      http,
      account: ALICE,
      tokens: fixedAccessToken(accessToken),
    });
    source = createGoogleCalendarSource({ client, pageSize: 2, now: () => new Date(sandbox.state.now()) });
  });

  afterAll(async () => {
    await sandbox?.close();
  });

  it("lists the window page by page, then follows changes with the sync token", async () => {
    const first = await pull(null);
    expect(first).toMatchObject({ kind: "snapshot", complete: false });
    let cursor = first.nextCursor;
    const refs = new Set(first.kind === "snapshot" ? first.intervals.map((i) => i.sourceRef) : []);
    await fetch(`${sandbox.url}/_sandbox/throttle`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ count: 2, status: 403, reason: "userRateLimitExceeded" }),
    });
    for (let page = 0; page < 50; page++) {
      const next = await pull(cursor);
      expect(next.kind).toBe("delta");
      if (next.kind !== "delta") break;
      for (const interval of next.upserts) refs.add(interval.sourceRef);
      cursor = next.nextCursor;
      if (next.complete !== false) break;
    }
    expect(JSON.parse(cursor!)).toHaveProperty("syncToken");
    // The dentist blocks; the transparent reading time is not kept.
    expect(refs.has(DENTIST)).toBe(true);
    expect(refs.has("a1ce00000000000000000000004")).toBe(false);
    expect(await pull(cursor)).toMatchObject({ kind: "unchanged" });

    await fetch(`${sandbox.url}/_sandbox/events/delete`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ account: ALICE, eventId: DENTIST }),
    });
    const change = await pull(cursor);
    expect(change).toMatchObject({ kind: "delta", removedRefs: [DENTIST], upserts: [] });
  });

  it("asks for a fresh listing once the window has moved on by more than a day", async () => {
    const cursor = JSON.stringify({
      query: "singleEvents=true",
      syncToken: "t",
      windowTo: window.to.getTime() - 2 * 86_400_000,
    });
    const answer = await source.pull({
      calendarRef: ALICE,
      cursor: cursor as SyncCursor,
      window,
      hostTimeZone: "UTC",
    });
    expect(answer).toMatchObject({ ok: false, error: { kind: "sync_cursor_invalid" } });
  });
});
