import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALICE } from "../sandbox/google/test-accounts.ts";
import { parseConfig } from "../src/config.ts";
import { CHANNELS_QUEUE } from "../src/jobs/push-channel-jobs.ts";
import type { Service } from "../src/main.ts";
import { googleSettingsOf } from "../src/main.ts";
import type { SandboxEndpoints } from "../src/providers/sandbox-process.ts";
import { googleHarness } from "./provider-contract/google-harness.ts";
import { startHarnessService } from "./provider-contract/provider-contract.ts";
import { waitFor } from "./support/microsoft-harness.ts";
import { backends } from "./support/test-stores.ts";

/**
 * Google Calendar beyond the shared contract (test/provider-contract): what the authorize request asks for, a
 * scope unticked on the consent screen, push channels (token stored hashed, `sync` acknowledged, `exists` pulling,
 * renewal by a new channel before the old one stops) and the grant revoked at Google on disconnect.
 */
const RETURN = "http://localhost:4999/settings/calendars";
const CAL = "https://www.googleapis.com/auth/calendar";

describe.each(backends)("Google Calendar on %s", (backend) => {
  const harness = googleHarness();
  let service: Service;
  let api: Awaited<ReturnType<typeof startHarnessService>>["api"];
  let hostId: string;
  let connectionId: string;
  let close: (() => Promise<void>) | undefined;
  const connection = async () => (await api("GET", `/v1/hosts/${hostId}/connections/${connectionId}`)).body;
  const storedChannels = async () =>
    (
      await service.store.executeSql(
        "select calendar_ref, channel from calendar_sync_states where connection_id = $1 and blocking order by calendar_ref",
        [connectionId],
      )
    ).rows as Array<{
      calendar_ref: string;
      channel: { id?: string; resourceId?: string; secretHash?: string; expiresAt?: string } | null;
    }>;
  const start = () =>
    api("POST", `/v1/hosts/${hostId}/connections`, { provider: "google", returnUrl: RETURN });
  const follow = async (callback: string) =>
    (await fetch(callback.replace("localhost", "127.0.0.1"), { redirect: "manual" })).headers.get("location");

  beforeAll(async () => {
    ({ service, api, hostId, close } = await startHarnessService({ harness, backend }));
  }, 120_000);

  afterAll(async () => {
    await close?.();
  });

  it("asks for offline access, forced consent, incremental and minimal scopes, with PKCE", async () => {
    const created = await start();
    expect(created.status).toBe(201);
    const authorize = new URL(created.body.authorizeUrl);
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${harness.sandbox().url}/o/oauth2/v2/auth`);
    expect(Object.fromEntries(authorize.searchParams)).toMatchObject({
      access_type: "offline",
      prompt: "consent",
      include_granted_scopes: "true",
      code_challenge_method: "S256",
      response_type: "code",
      scope: `openid email ${CAL}.calendarlist.readonly ${CAL}.events`,
    });
    await api("DELETE", `/v1/hosts/${hostId}/connections/${created.body.id}`);
  });

  it("refuses a grant with a calendar scope unticked, says so, and revokes the partial grant", async () => {
    const created = await start();
    const before = harness.sandbox().state.oauth.summary().liveRefreshTokens;
    const callback = await harness.consentWith(
      created.body.authorizeUrl,
      `openid email ${CAL}.calendarlist.readonly`,
    );
    expect(await follow(callback)).toBe(
      `${RETURN}?status=failed&error=scope_not_granted&connection=${created.body.id}`,
    );
    expect(harness.sandbox().state.oauth.summary().liveRefreshTokens).toBe(before);
    const list = (await api("GET", `/v1/hosts/${hostId}/connections`)).body.data as Array<{ id: string }>;
    expect(list.map((c) => c.id)).not.toContain(created.body.id);
  });

  it("connects and makes one channel per blocking calendar, its token stored only hashed; `sync` is acknowledged", async () => {
    const created = await start();
    connectionId = created.body.id;
    expect(await follow(await harness.consent(created.body.authorizeUrl))).toBe(
      `${RETURN}?status=connected&connection=${connectionId}`,
    );
    const rows = await waitFor("a channel per blocking calendar", async () => {
      const current = await storedChannels();
      return current.length === 2 && current.every((row) => row.channel?.id) ? current : undefined;
    });
    const live = harness.sandbox().state.channels.list();
    expect(live.map((c) => c.id).sort()).toEqual(rows.map((row) => row.channel!.id).sort());
    for (const row of rows) {
      const channel = live.find((c) => c.id === row.channel!.id)!;
      expect(row.channel!.resourceId).toBe(channel.resourceId);
      expect(channel.token).toBeDefined();
      expect(JSON.stringify(row.channel)).not.toContain(channel.token!);
    }
    expect((await connection()).account).toMatchObject({ email: ALICE, kind: "personal" });
    // Google's first message on a channel: answered 2xx (it may even arrive before the channel is stored, and then
    // changes nothing either).
    const hellos = await waitFor("the sync messages", async () => {
      const sent = harness
        .sandbox()
        .state.channels.deliveries.filter(
          (d) => d.state === "sync" && rows.some((r) => r.channel!.id === d.channelId),
        );
      return sent.length === 2 && sent.every((d) => d.outcome !== "pending") ? sent : undefined;
    });
    expect(hellos.map((d) => [d.outcome, d.httpStatus])).toEqual([
      ["delivered", 202],
      ["delivered", 202],
    ]);
  }, 60_000);

  it("a change in Google reaches the busy cache through `exists`, without a sync being asked for", async () => {
    const rowsOf = async () =>
      (
        await service.store.executeSql(
          `select start_at from busy_intervals where connection_id = $1 and source_ref = $2 and generation = (select busy_generation from calendar_sync_states s where s.connection_id = busy_intervals.connection_id and s.calendar_ref = busy_intervals.calendar_ref)`,
          [connectionId, "a1ce00000000000000000000003"],
        )
      ).rows as Array<{ start_at: Date | string }>;
    await waitFor("the dentist in the cache", async () => ((await rowsOf()).length === 1 ? true : undefined));
    await harness.moveEvent(
      "a1ce00000000000000000000003",
      new Date("2030-01-09T12:00:00Z"),
      new Date("2030-01-09T12:45:00Z"),
    );
    await waitFor("the move to arrive by push", async () => {
      const [row] = await rowsOf();
      return row && new Date(row.start_at).toISOString() === "2030-01-09T12:00:00.000Z" ? true : undefined;
    });
  }, 30_000);

  it("renews a channel before expiry: the new one first, then the old one stopped", async () => {
    const before = (await storedChannels()).map((row) => row.channel!.id!);
    // 58 of 70 hours gone: under 20% of the lifetime left.
    await harness.advanceClock(58 * 3_600_000);
    await service.jobs.send(CHANNELS_QUEUE, { connectionId });
    const after = await waitFor("every channel replaced", async () => {
      const ids = (await storedChannels()).map((row) => row.channel?.id);
      return ids.every((id) => id && !before.includes(id)) ? ids : undefined;
    });
    // The old ones are stopped once their replacements are stored.
    const live = await waitFor("the old channels stopped", async () => {
      const ids = harness
        .sandbox()
        .state.channels.list()
        .map((c) => c.id);
      return ids.length === after.length && ids.every((id) => after.includes(id)) ? ids : undefined;
    });
    expect(live.sort()).toEqual([...after].sort());
  }, 40_000);

  it("disconnecting stops the channels and revokes the grant at Google", async () => {
    const liveBefore = harness.sandbox().state.oauth.summary().liveRefreshTokens;
    expect(liveBefore).toBeGreaterThan(0);
    expect((await api("DELETE", `/v1/hosts/${hostId}/connections/${connectionId}`)).status).toBe(204);
    expect(harness.sandbox().state.channels.list()).toEqual([]);
    expect(harness.sandbox().state.oauth.summary().liveRefreshTokens).toBe(liveBefore - 1);
  }, 30_000);
});

describe("Google settings", () => {
  const sandbox = {
    google: {
      authUrl: "http://127.0.0.1:4020/o/oauth2/v2/auth",
      tokenUrl: "http://127.0.0.1:4020/token",
      calendarRoot: "http://127.0.0.1:4020/calendar/v3",
      clients: [
        { clientId: "demo.apps.googleusercontent.com", clientSecret: "demo-secret", redirectUris: [] },
      ],
    },
  } as unknown as SandboxEndpoints;

  it("defaults to Google's endpoints, and uses the sandbox's demo client when no client is configured", () => {
    const real = parseConfig({ GOOGLE_CLIENT_ID: "id", GOOGLE_CLIENT_SECRET: "secret" });
    expect(googleSettingsOf(real, sandbox)).toEqual({
      clientId: "id",
      clientSecret: "secret",
      authUrl: "https://accounts.google.com/o/oauth2/v2/auth",
      tokenUrl: "https://oauth2.googleapis.com/token",
      apiUrl: "https://www.googleapis.com/calendar/v3",
      rooms: false,
    });
    expect(googleSettingsOf(parseConfig({}), sandbox)).toEqual({
      clientId: "demo.apps.googleusercontent.com",
      clientSecret: "demo-secret",
      authUrl: "http://127.0.0.1:4020/o/oauth2/v2/auth",
      tokenUrl: "http://127.0.0.1:4020/token",
      apiUrl: "http://127.0.0.1:4020/calendar/v3",
      rooms: false,
    });
    expect(googleSettingsOf(parseConfig({}), undefined)).toBeUndefined();
    expect(() => parseConfig({ GOOGLE_API_URL: "not a url" })).toThrow(/GOOGLE_API_URL/);
  });
});
