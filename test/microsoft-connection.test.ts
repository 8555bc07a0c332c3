import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MicrosoftSandbox, startMicrosoftSandbox } from "../sandbox/microsoft/server.ts";
import type { Service } from "../src/main.ts";
import {
  type Api,
  BASE,
  createMicrosoftHost,
  RETURN,
  slotsOn as slotsOfDay,
  startServiceOnSandbox,
  waitFor,
} from "./support/microsoft-harness.ts";
import { backends } from "./support/test-stores.ts";

/**
 * Microsoft 365, end to end over real HTTP: the service (job engine, sync, routes) against the Microsoft sandbox.
 * The host connects through the sandbox's consent page, the seeded Outlook events remove the right slots, changes
 * made as if in Outlook reach the slots through calendarView delta, throttling and an expired delta token are
 * survived, a revoked grant moves the connection to needs_reauth (one webhook), reconnecting reuses the connection
 * and disconnecting removes its busy time.
 *
 * Both clocks start at 2030-01-01 (the seed's events lie in January 2030) and run at real speed.
 */
describe.each(backends)("Microsoft 365 connection on %s", (backend) => {
  let sandbox: MicrosoftSandbox;
  let service: Service;
  let stopService: (() => Promise<void>) | undefined;
  let base: string;
  let api: Api;
  let slug: string;
  let hostId: string;
  let connectionId: string;
  const t0 = Date.now();
  const clock = () => BASE + (Date.now() - t0);

  const admin = (path: string, body: unknown) =>
    fetch(`${sandbox.url}/_sandbox/${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  /** Slot starts (UTC) of one day in Los Angeles. */
  const slotsOn = (date: string) => slotsOfDay(api, slug, date);
  const connection = async () => (await api("GET", `/v1/hosts/${hostId}/connections/${connectionId}`)).body;
  /** Asks for a sync and waits until every blocking calendar has attempted one since. */
  const syncNow = async () => {
    // Done when every blocking calendar shows an attempt newer than the one it showed before the request: a
    // comparison with the wall clock would take an earlier attempt stamped by a moved service clock for this one.
    const attemptsOf = (current: {
      calendars: Array<{ ref: string; blocking: boolean; lastAttemptAt: string | null }>;
    }) => new Map(current.calendars.filter((c) => c.blocking).map((c) => [c.ref, c.lastAttemptAt]));
    const before = attemptsOf(await connection());
    expect((await api("POST", `/v1/hosts/${hostId}/connections/${connectionId}/sync`)).status).toBe(202);
    return waitFor("a sync", async () => {
      const current = await connection();
      const now = attemptsOf(current);
      const done = [...now].every(
        ([ref, at]) =>
          at !== null && (before.get(ref) == null || Date.parse(at) > Date.parse(before.get(ref)!)),
      );
      return done && now.size > 0 ? current : undefined;
    });
  };
  const eventId = (subject: string) =>
    [...sandbox.state.events.values()].find(
      (event) => event.fields.subject === subject && event.type === "singleInstance",
    )?.id ?? "";
  /** Follows the authorize URL through the sandbox consent page as Adele; returns where the browser ends up. */
  const consentAsAdele = async (authorizeUrl: string) => {
    const page = await (await fetch(authorizeUrl)).text();
    const href = /<a class="account" href="([^"]+)">Adele/.exec(page)?.[1]?.replaceAll("&amp;", "&");
    expect(href).toBeDefined();
    const back = await fetch(new URL(href!, sandbox.url), { redirect: "manual" });
    expect(back.status).toBe(302);
    const callback = back.headers.get("location")!;
    expect(callback.startsWith(`${base.replace("127.0.0.1", "localhost")}/auth/microsoft/callback?`)).toBe(
      true,
    );
    const done = await fetch(callback.replace("localhost", "127.0.0.1"), { redirect: "manual" });
    return { callback, status: done.status, location: done.headers.get("location") ?? "" };
  };

  beforeAll(async () => {
    sandbox = await startMicrosoftSandbox({ port: 0, clock });
    ({
      service,
      base,
      close: stopService,
    } = await startServiceOnSandbox({
      backend,
      sandboxUrl: sandbox.url,
      now: () => new Date(clock()),
    }));
    ({ api, slug, hostId } = await createMicrosoftHost(service.store, base));
    // An endpoint that receives nothing (port 9 is closed): the deliveries written are what is checked.
    await api("POST", "/v1/webhook-endpoints", {
      url: "http://127.0.0.1:9/hooks",
      eventTypes: ["connection.needs_reauth"],
    });
  }, 120_000);

  afterAll(async () => {
    await stopService?.();
    await sandbox?.close();
  });

  it("refuses a returnUrl outside the tenant's list and an unknown provider", async () => {
    const outside = await api("POST", `/v1/hosts/${hostId}/connections`, {
      provider: "microsoft",
      returnUrl: "https://evil.example.com/steal",
    });
    expect(outside.status).toBe(400);
    expect(outside.body.error.message).toMatch(/returnUrl: not under any of the tenant's connectReturnUrls/);
    const google = await api("POST", `/v1/hosts/${hostId}/connections`, {
      provider: "google",
      returnUrl: RETURN,
    });
    expect(google.status).toBe(400);
    expect(google.body.error.message).toMatch(/not available/);
    const badPrefix = await api("PATCH", "/v1/tenant", { connectReturnUrls: ["http://app.example.com/"] });
    expect(badPrefix.status).toBe(400);
    expect(badPrefix.body.error.message).toMatch(/https/);
  });

  it("connects through the consent page; the seeded Outlook events remove the right slots", async () => {
    expect(await slotsOn("2030-01-08")).toHaveLength(8);
    const created = await api("POST", `/v1/hosts/${hostId}/connections`, {
      provider: "microsoft",
      returnUrl: RETURN,
    });
    expect(created.status).toBe(201);
    expect(created.body.status).toBe("pending");
    connectionId = created.body.id;
    const authorize = new URL(created.body.authorizeUrl);
    expect(authorize.origin).toBe(sandbox.url);
    expect(authorize.searchParams.get("code_challenge_method")).toBe("S256");
    expect(authorize.searchParams.get("redirect_uri")).toBe(
      `${base.replace("127.0.0.1", "localhost")}/auth/microsoft/callback`,
    );
    expect(authorize.searchParams.get("scope")?.split(" ")).toEqual(
      expect.arrayContaining(["offline_access", "User.Read", "Calendars.ReadWrite", "MailboxSettings.Read"]),
    );
    const state = authorize.searchParams.get("state")!;
    expect(state.length).toBeGreaterThanOrEqual(43);

    const { callback, status, location } = await consentAsAdele(created.body.authorizeUrl);
    expect(status).toBe(303);
    expect(location).toBe(`${RETURN}?status=connected&connection=${connectionId}`);
    // The state is single-use: the same callback again changes nothing.
    const replay = await fetch(callback.replace("localhost", "127.0.0.1"), { redirect: "manual" });
    expect(replay.status).toBe(400);
    expect(await replay.text()).toMatch(/expired/);
    // The state is stored hashed only.
    const raw = JSON.stringify((await service.store.executeSql("select * from oauth_states", [])).rows);
    expect(raw).not.toContain(state);

    const synced = await waitFor("the first sync", async () => {
      const current = await connection();
      return current.calendars.length > 0 &&
        current.calendars.every((c: { lastSuccessAt: string | null }) => c.lastSuccessAt)
        ? current
        : undefined;
    });
    expect(synced).toMatchObject({
      status: "connected",
      account: { email: "adele@contoso.com", kind: "work" },
    });
    expect(
      synced.calendars.map((c: { name: string; primary: boolean; receivesEvents: boolean }) => [
        c.name,
        c.primary,
        c.receivesEvents,
      ]),
    ).toEqual(
      expect.arrayContaining([
        ["Calendar", true, true],
        ["Birthdays", false, false],
      ]),
    );
    // No token anywhere in the API answer.
    expect(JSON.stringify(synced)).not.toMatch(/access|refresh|Bearer/i);

    // Tue 8 Jan (PST = UTC-8): stand-up 09:00-09:15 and the design review 14:00-15:00 block their hours.
    expect(await slotsOn("2030-01-08")).toEqual(["18:00", "19:00", "20:00", "21:00", "23:00", "00:00"]);
    // Wed 9 Jan: the tentative dentist 15:00-16:00 blocks too.
    expect(await slotsOn("2030-01-09")).toEqual(["18:00", "19:00", "20:00", "21:00", "22:00", "00:00"]);
    // Thu 10 Jan: "Focus time" is shown as free and blocks nothing.
    expect(await slotsOn("2030-01-10")).toEqual([
      "18:00",
      "19:00",
      "20:00",
      "21:00",
      "22:00",
      "23:00",
      "00:00",
    ]);
    // Tue 15 Jan: the all-day out-of-office offsite takes the whole day (in the host's zone).
    expect(await slotsOn("2030-01-15")).toEqual([]);
  }, 60_000);

  it("applies changes made in Outlook through delta: a move and a delete", async () => {
    const review = eventId("Design review");
    expect(review).not.toBe("");
    await admin("events/change", {
      account: "adele@contoso.com",
      eventId: review,
      patch: {
        start: { dateTime: "2030-01-08T16:00:00", timeZone: "Pacific Standard Time" },
        end: { dateTime: "2030-01-08T17:00:00", timeZone: "Pacific Standard Time" },
      },
    });
    await syncNow();
    expect(await slotsOn("2030-01-08")).toEqual(["18:00", "19:00", "20:00", "21:00", "22:00", "23:00"]);
    await admin("events/delete", { account: "adele@contoso.com", eventId: review });
    await syncNow();
    expect(await slotsOn("2030-01-08")).toEqual([
      "18:00",
      "19:00",
      "20:00",
      "21:00",
      "22:00",
      "23:00",
      "00:00",
    ]);
  }, 60_000);

  it("writes no busy rows when nothing changed", async () => {
    const rowsBefore = (await service.store.executeSql("select id from busy_intervals order by id", [])).rows;
    await syncNow();
    const rowsAfter = (await service.store.executeSql("select id from busy_intervals order by id", [])).rows;
    expect(rowsBefore.length).toBeGreaterThan(0);
    // Same row ids: nothing deleted and written again.
    expect(rowsAfter).toEqual(rowsBefore);
  }, 60_000);

  it("survives a 429 storm and an expired delta token (the old rows serve meanwhile)", async () => {
    await admin("throttle", { count: 4, status: 429, retryAfter: "0.2" });
    const afterStorm = await syncNow();
    expect(afterStorm.status).toBe("connected");
    expect(await slotsOn("2030-01-09")).toEqual(["18:00", "19:00", "20:00", "21:00", "22:00", "00:00"]);
    await admin("sync-tokens/expire", {});
    const resynced = await syncNow();
    expect(resynced.status).toBe("connected");
    expect(await slotsOn("2030-01-09")).toEqual(["18:00", "19:00", "20:00", "21:00", "22:00", "00:00"]);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/calbridge_provider_requests_total\{provider="microsoft",status="429"\} [4-9]/);
  }, 60_000);

  it("moves to needs_reauth once when the grant is revoked, keeps serving the cached busy time, and reconnects", async () => {
    await admin("tokens/revoke", { account: "adele@contoso.com" });
    await api("POST", `/v1/hosts/${hostId}/connections/${connectionId}/sync`);
    const revoked = await waitFor("needs_reauth", async () => {
      const current = await connection();
      return current.status === "needs_reauth" ? current : undefined;
    });
    expect(revoked.lastError).toMatch(/sign in again/);
    expect(JSON.stringify(revoked)).not.toMatch(/Trace ID|Correlation/);
    await api("POST", `/v1/hosts/${hostId}/connections/${connectionId}/sync`);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const deliveries = await service.store.executeSql(
      "select count(*)::int as n from webhook_deliveries where event_type = 'connection.needs_reauth'",
      [],
    );
    expect((deliveries.rows[0] as { n: number }).n).toBe(1);
    // The cached busy time keeps serving.
    expect(await slotsOn("2030-01-09")).toEqual(["18:00", "19:00", "20:00", "21:00", "22:00", "00:00"]);

    const again = await api("POST", `/v1/hosts/${hostId}/connections`, {
      provider: "microsoft",
      returnUrl: RETURN,
    });
    const { location } = await consentAsAdele(again.body.authorizeUrl);
    // The same account: the same connection, connected again; the pending row is gone.
    expect(location).toBe(`${RETURN}?status=connected&connection=${connectionId}`);
    expect((await connection()).status).toBe("connected");
    const list = (await api("GET", `/v1/hosts/${hostId}/connections`)).body.data;
    expect(list.map((c: { id: string }) => c.id)).toEqual([connectionId]);
  }, 60_000);

  it("passes a refusal on the consent page back to the app, and drops the attempt", async () => {
    const created = await api("POST", `/v1/hosts/${hostId}/connections`, {
      provider: "microsoft",
      returnUrl: RETURN,
    });
    const page = await (await fetch(created.body.authorizeUrl)).text();
    const cancel = /<a id="cancel" href="([^"]+)"/.exec(page)![1]!.replaceAll("&amp;", "&");
    const back = await fetch(new URL(cancel, sandbox.url), { redirect: "manual" });
    const done = await fetch(back.headers.get("location")!.replace("localhost", "127.0.0.1"), {
      redirect: "manual",
    });
    expect(done.status).toBe(303);
    expect(done.headers.get("location")).toBe(
      `${RETURN}?status=failed&error=access_denied&connection=${created.body.id}`,
    );
    const list = (await api("GET", `/v1/hosts/${hostId}/connections`)).body.data;
    expect(list.map((c: { id: string }) => c.id)).toEqual([connectionId]);
  }, 30_000);

  it("disconnects: tokens and busy time go, the connection stays as disconnected", async () => {
    const removed = await api("DELETE", `/v1/hosts/${hostId}/connections/${connectionId}`);
    expect(removed.status).toBe(204);
    expect((await connection()).status).toBe("disconnected");
    expect(await slotsOn("2030-01-15")).toHaveLength(8);
    const stored = await service.store.executeSql(
      "select credentials from calendar_connections where id = $1",
      [connectionId],
    );
    expect((stored.rows[0] as { credentials: string | null }).credentials).toBeNull();
  }, 30_000);

  it("recorded every access in the audit log: connect, reads, refresh failure, needs_reauth, disconnect", async () => {
    const log = await api("GET", `/v1/audit?hostId=${hostId}&limit=200`);
    expect(log.status).toBe(200);
    type Entry = {
      action: string;
      actor: { kind: string; id: string | null };
      outcome: string;
      provider: string | null;
      target: { connectionId: string | null };
      details: { itemCount?: number; errorKind?: string };
    };
    const entries: Entry[] = log.body.data;
    const of = (action: string) => entries.filter((entry) => entry.action === action);
    // Connected through the consent page (a sync recovering from an error is a system_job's entry).
    expect(of("connection.connected").find((entry) => entry.actor.kind === "oauth_callback")).toMatchObject({
      provider: "microsoft",
      target: { connectionId },
    });
    const reads = of("calendar.read");
    expect(reads.some((entry) => entry.outcome === "success" && (entry.details.itemCount ?? 0) > 0)).toBe(
      true,
    );
    expect(reads.every((entry) => entry.actor.kind === "system_job" && entry.provider === "microsoft")).toBe(
      true,
    );
    expect(of("token.refresh_failed")[0]).toMatchObject({
      outcome: "failure",
      details: { errorKind: "auth_revoked" },
    });
    expect(of("connection.needs_reauth")).toHaveLength(1);
    expect(of("connection.disconnected")[0]).toMatchObject({ actor: { kind: "api_key" } });
    // Ids and codes only: no account address, no event subject.
    expect(JSON.stringify(entries)).not.toMatch(/adele|contoso|@/i);
  }, 30_000);
});
