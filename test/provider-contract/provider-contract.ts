import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config.ts";
import { CALENDAR_POLL_QUEUE } from "../../src/jobs/calendar-sync-jobs.ts";
import { type Service, startService } from "../../src/main.ts";
import { generateKeySpec } from "../../src/secrets/key-ring.ts";
import { apiClient, freePort, waitFor } from "../support/microsoft-harness.ts";
import { createTestTenant } from "../support/test-app.ts";
import { backends, createScratchDatabase } from "../support/test-stores.ts";
import { connectHarnessHost, type ProviderHarness } from "./provider-harness.ts";

/**
 * The provider contract: the same end-to-end and fault matrix for every OAuth calendar provider, over real HTTP
 * against its sandbox, on PGlite and PostgreSQL. One suite, one harness per run (provider-harness.ts says what a
 * provider brings). The service runs on the sandbox's clock, so moving that clock reaches the polling floor.
 *
 * Matrix: connect through the consent page during a rate-limit storm; seeded events remove slots; a booking
 * creates the event with the attendee and a meeting link; a create whose answer was lost after the provider
 * committed makes one event; moving and deleting the event in the calendar reschedules and cancels the booking; a
 * forged notification changes nothing; a dropped notification is caught by the polling floor; an expired sync
 * cursor resyncs while the old rows serve; a revoked grant moves the connection to needs_reauth with one webhook;
 * disconnecting stops the channels.
 */

export function describeProviderContract(makeHarness: () => ProviderHarness): void {
  describe.each(backends)("provider contract on %s", (backend) => {
    const harness = makeHarness();
    let service: Service;
    let base: string;
    let close: (() => Promise<void>) | undefined;
    let api: ReturnType<typeof apiClient>;
    let slug: string;
    let hostId: string;
    let connectionId: string;
    const slotsOn = async (date: string): Promise<string[]> => {
      const from = new Date(`${date}${harness.dayStartUtc}`).toISOString();
      const to = new Date(Date.parse(from) + 86_400_000).toISOString();
      const answer = await api("GET", `/v1/public/${slug}/consult/slots?from=${from}&to=${to}&timeZone=UTC`);
      expect(answer.status).toBe(200);
      return answer.body.slots.map((slot: { start: string }) => slot.start.slice(11, 16));
    };
    const connection = async () => (await api("GET", `/v1/hosts/${hostId}/connections/${connectionId}`)).body;
    const syncNow = async () => {
      const before = harness.now();
      expect((await api("POST", `/v1/hosts/${hostId}/connections/${connectionId}/sync`)).status).toBe(202);
      return waitFor("a sync", async () => {
        const current = await connection();
        const calendars = current.calendars.filter((c: { blocking: boolean }) => c.blocking);
        const done = calendars.every(
          (c: { lastAttemptAt: string | null }) =>
            c.lastAttemptAt && Date.parse(c.lastAttemptAt) >= before - 50,
        );
        return done && calendars.length > 0 ? current : undefined;
      });
    };
    const channels = async () =>
      (
        await service.store.executeSql(
          "select calendar_ref, channel from calendar_sync_states where connection_id = $1 and blocking and channel is not null",
          [connectionId],
        )
      ).rows as Array<{ calendar_ref: string; channel: { id?: string; resourceId?: string } }>;
    const book = async (start: string, attendee = "Ana Lima") => {
      const answer = await api("POST", `/v1/public/${slug}/consult/bookings`, {
        start,
        timeZone: "Europe/Lisbon",
        name: attendee,
        email: `${attendee.split(" ")[0]!.toLowerCase()}@example.org`,
      });
      expect(answer.status, JSON.stringify(answer.body)).toBe(201);
      return answer.body.id as string;
    };
    const booking = async (id: string) => (await api("GET", `/v1/bookings/${id}`)).body;
    const settled = (id: string, operation: "create" | "update" | "cancel") =>
      waitFor(`the ${operation} of ${id}`, async () => {
        const current = await booking(id);
        const sync = current.calendarSync as Array<{ state: string; operation: string }>;
        return sync.length > 0 && sync.every((s) => s.state !== "pending" && s.operation === operation)
          ? current
          : undefined;
      });
    const syncUntil = <T>(what: string, probe: () => Promise<T | undefined>): Promise<T> =>
      syncUntilSeen({ sync: syncNow, what, probe });
    const busyRowsOf = async (eventRef: string) =>
      (
        await service.store.executeSql(
          `select start_at from busy_intervals where connection_id = $1 and source_ref = $2 and generation = (select busy_generation from calendar_sync_states s where s.connection_id = busy_intervals.connection_id and s.calendar_ref = busy_intervals.calendar_ref)`,
          [connectionId, eventRef],
        )
      ).rows;
    const metric = async (pattern: RegExp) =>
      Number(pattern.exec(await (await fetch(`${base}/metrics`)).text())?.[1] ?? 0);

    beforeAll(async () => {
      ({ service, base, api, slug, hostId, close } = await startHarnessService({
        harness,
        backend,
        ...(harness.serviceFetch ? { providerFetch: harness.serviceFetch } : {}),
      }));
    }, 120_000);

    afterAll(async () => {
      await close?.();
    });

    const connectHost = (loginHint: boolean) => connectHarnessHost({ harness, api, hostId, loginHint });
    /** A case this provider cannot take part in is skipped, its reason in the name. */
    const contractCase = (
      name: string,
      skip: string | undefined,
      test: () => Promise<void>,
      timeout: number,
    ) => (skip ? it.skip(`${name} (skipped: ${skip})`, test) : it(name, test, timeout));

    it("connects during a rate-limit storm; the seeded events remove slots", async () => {
      // The first fill meets throttling: each throttled call is retried with backoff, none fails the sync.
      await harness.throttle(3);
      connectionId = await connectHost(true);
      const synced = await waitFor("the first sync", async () => {
        const current = await connection();
        return current.status === "connected" &&
          current.calendars.length > 0 &&
          current.calendars.every((c: { lastSuccessAt: string | null; blocking: boolean }) =>
            c.blocking ? c.lastSuccessAt : true,
          )
          ? current
          : undefined;
      });
      expect(synced).toMatchObject({ status: "connected", account: { email: harness.host.account } });
      expect(JSON.stringify(synced)).not.toMatch(/access_token|refresh_token|Bearer/i);
      expect(harness.pendingThrottles()).toBe(0);
      expect(
        await metric(
          new RegExp(`calbridge_provider_throttled_total\\{provider="${harness.provider}"\\} (\\d+)`),
        ),
      ).toBeGreaterThanOrEqual(1);
      for (const [date, slots] of Object.entries(harness.seededSlots))
        expect(await slotsOn(date), date).toEqual(slots);
    }, 90_000);

    it("writes a booking into the calendar with the attendee and a meeting link", async () => {
      const id = await book(harness.freeStarts[0]!);
      const done = await settled(id, "create");
      expect(done.calendarSync).toEqual([
        expect.objectContaining({ state: "written", error: null, warning: null }),
      ]);
      const events = await harness.bookingEvents(id);
      expect(events).toHaveLength(1);
      expect(events[0]!.attendees).toEqual(["ana@example.org"]);
      expect(events[0]!.joinUrl).toMatch(harness.meeting.link);
      // The link is the booking's location now: webhooks, mails and the .ics carry it.
      expect(done.location).toEqual({ kind: harness.meeting.kind, value: events[0]!.joinUrl });
    }, 60_000);

    it("makes one event when the answer to a create is lost after the provider committed it", async () => {
      harness.loseNextCreateAnswer();
      const id = await book(harness.freeStarts[1]!, "Bo Chen");
      const done = await settled(id, "create");
      expect(harness.createLossArmed()).toBe(false);
      expect(done.calendarSync).toEqual([expect.objectContaining({ state: "written" })]);
      expect(await harness.bookingEvents(id)).toHaveLength(1);
    }, 60_000);

    it("reschedules the booking when the host moves its event, and cancels it when the host deletes it", async () => {
      const id = await book(harness.freeStarts[2]!, "Cy Dorn");
      await settled(id, "create");
      const [event] = await harness.bookingEvents(id);
      const start = new Date(Date.parse(harness.freeStarts[2]!) + 2 * 3_600_000);
      await harness.moveEvent(event!.id, start, new Date(start.getTime() + 3_600_000));
      const moved = await syncUntil("the move", async () => {
        const current = await booking(id);
        return current.start === start.toISOString() ? current : undefined;
      });
      expect(moved.status).toBe("confirmed");
      await harness.deleteEvent(event!.id);
      const cancelled = await syncUntil("the deletion", async () => {
        const current = await booking(id);
        return current.status === "cancelled" ? current : undefined;
      });
      expect(cancelled.status).toBe("cancelled");
    }, 90_000);

    contractCase(
      "ignores a forged notification and logs it",
      harness.skips?.forgedNotification,
      async () => {
        const [live] = await waitFor("a push channel", async () =>
          (await channels()).length > 0 ? channels() : undefined,
        );
        expect(live!.channel.id).toBeDefined();
        const rejectedBefore = await metric(
          new RegExp(
            `calbridge_push_notifications_total\\{provider="${harness.provider}",kind="changed",outcome="rejected"\\} (\\d+)`,
          ),
        );
        const forged = harness.forgedNotification({
          id: live!.channel.id!,
          ...(live!.channel.resourceId ? { resourceId: live!.channel.resourceId } : {}),
        });
        const answer = await fetch(`${base}/webhooks/${harness.provider}/notifications`, {
          method: "POST",
          headers: forged.headers,
          body: forged.body,
        });
        expect(answer.status).toBe(202);
        expect(
          await metric(
            new RegExp(
              `calbridge_push_notifications_total\\{provider="${harness.provider}",kind="changed",outcome="rejected"\\} (\\d+)`,
            ),
          ),
        ).toBe(rejectedBefore + 1);
        const dirty = await service.store.executeSql(
          "select max(dirty)::int as n from calendar_sync_states where connection_id = $1",
          [connectionId],
        );
        expect((dirty.rows[0] as { n: number }).n).toBe(0);
      },
      30_000,
    );

    it("catches a dropped notification (or, without push, any change) with the polling floor", async () => {
      const seeded = harness.seededEvent.id();
      // Earlier cases' work (a write's retry, a late notification of the provider's own change to our event, such
      // as Google finishing a Meet) must not be what syncs the deletion below: wait until no sync or write is due.
      const quiet = () =>
        waitFor("no sync or write queued or running", async () => {
          const { rows } = await service.store.executeSql(
            `select count(*)::int as n from pgboss.job
              where name in ('calendar.sync', 'calendar.write', 'managed-event.write')
                and state in ('created', 'retry', 'active')`,
            [],
          );
          return (rows[0] as { n: number }).n === 0 ? true : undefined;
        });
      await quiet();
      await new Promise((resolve) => setTimeout(resolve, 500));
      await quiet();
      expect(await busyRowsOf(seeded)).toHaveLength(1);
      await harness.dropNotifications(1);
      await harness.deleteEvent(seeded);
      if (harness.push) {
        await new Promise((resolve) => setTimeout(resolve, 1_500));
        expect(await busyRowsOf(seeded)).toHaveLength(1);
      }
      // Past the ten-minute floor of calendars with a live channel, the poll pulls and the deletion arrives.
      await harness.advanceClock(11 * 60_000);
      await service.jobs.send(CALENDAR_POLL_QUEUE, {});
      await waitFor("the poll to apply the deletion", async () =>
        (await busyRowsOf(seeded)).length === 0 ? true : undefined,
      );
      expect(await slotsOn(harness.seededEvent.date)).toContain(harness.seededEvent.slot);
    }, 60_000);

    it("resyncs fully when the sync cursor expires, the old rows serving meanwhile", async () => {
      const date = Object.keys(harness.seededSlots)[1]!;
      const before = await slotsOn(date);
      await harness.expireSyncCursors();
      const resynced = await syncNow();
      expect(resynced.status).toBe("connected");
      expect(await slotsOn(date)).toEqual(before);
    }, 60_000);

    it("moves to needs_reauth once when the grant is revoked, the cached busy time still serving", async () => {
      const date = Object.keys(harness.seededSlots)[1]!;
      const before = await slotsOn(date);
      await harness.revokeGrant();
      await api("POST", `/v1/hosts/${hostId}/connections/${connectionId}/sync`);
      const revoked = await waitFor("needs_reauth", async () => {
        const current = await connection();
        return current.status === "needs_reauth" ? current : undefined;
      });
      expect(revoked.lastError).toMatch(
        /sign in again|refused the access token|refused the user name and password/,
      );
      await api("POST", `/v1/hosts/${hostId}/connections/${connectionId}/sync`);
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      const deliveries = await service.store.executeSql(
        "select count(*)::int as n from webhook_deliveries where event_type = 'connection.needs_reauth'",
        [],
      );
      expect((deliveries.rows[0] as { n: number }).n).toBe(1);
      expect(await slotsOn(date)).toEqual(before);
    }, 60_000);

    it("reconnects the same account into the same connection; disconnecting stops its channels", async () => {
      expect(await connectHost(false)).toBe(connectionId);
      await waitFor("connected again", async () =>
        (await connection()).status === "connected" ? true : undefined,
      );
      if (harness.push)
        await waitFor("a channel again", async () => (harness.liveChannels() > 0 ? true : undefined));
      const removed = await api("DELETE", `/v1/hosts/${hostId}/connections/${connectionId}`);
      expect(removed.status).toBe(204);
      expect((await connection()).status).toBe("disconnected");
      // A channel job that was making a channel as the host disconnected stops it itself once it sees the status.
      await waitFor("every channel stopped", async () => (harness.liveChannels() === 0 ? true : undefined));
      expect(harness.liveChannels()).toBe(0);
    }, 60_000);
  });
}

/** Syncs until the host's change shows (a sync already under way when it was made may not see it). */
export async function syncUntilSeen<T>(params: {
  sync: () => Promise<unknown>;
  what: string;
  probe: () => Promise<T | undefined>;
  attempts?: number;
}): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    await params.sync();
    const value = await params.probe();
    if (value !== undefined) return value;
    if (attempt >= (params.attempts ?? 5)) throw new Error(`no sync brought ${params.what}`);
  }
}

/**
 * The harness's sandbox and the whole service on it (job engine, sync, routes, on PGlite in a temp folder or on a
 * scratch PostgreSQL database), with one tenant, its host (schedule Mon-Fri 09-17 in the host's zone), a 60-minute
 * event type "consult" that asks for the provider's online meeting, and a webhook endpoint.
 */
export async function startHarnessService(params: {
  harness: ProviderHarness;
  backend: "pglite" | "postgres";
  providerFetch?: typeof globalThis.fetch;
}): Promise<{
  service: Service;
  base: string;
  api: ReturnType<typeof apiClient>;
  slug: string;
  hostId: string;
  close(): Promise<void>;
}> {
  const { harness, backend, providerFetch } = params;
  await harness.start();
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), `calbridge-${harness.provider}-`));
  const scratch = backend === "postgres" ? await createScratchDatabase() : undefined;
  const config = parseConfig({
    PORT: String(port),
    HOST: "127.0.0.1",
    PUBLIC_URL: `http://localhost:${port}`,
    DATA_DIR: dataDir,
    DATABASE_URL: scratch?.url ?? "",
    ENCRYPTION_KEYS: generateKeySpec("k1"),
    SANDBOX: "off",
    LOG_LEVEL: "silent",
    PUBLIC_RATE_LIMIT: "0",
    OUTBOUND_ALLOW: "127.0.0.1",
    ...harness.serviceEnv(),
  });
  const service = await startService(config, {
    logger: pino({ level: "silent" }),
    now: () => new Date(harness.now()),
    providerFetch,
  });
  const base = `http://127.0.0.1:${port}`;
  const tenant = await createTestTenant(service.store, "Contract Co");
  const api = apiClient(base, tenant.auth);
  expect(
    (await api("PATCH", "/v1/tenant", { connectReturnUrls: ["http://localhost:4999/settings/"] })).status,
  ).toBe(200);
  const { timeZone } = harness.host;
  const hostId = (await api("POST", "/v1/hosts", { name: harness.host.name, timeZone })).body.id;
  const weekday = [["09:00", "17:00"]];
  await api("POST", `/v1/hosts/${hostId}/schedules`, {
    timeZone,
    weekly: { mon: weekday, tue: weekday, wed: weekday, thu: weekday, fri: weekday },
  });
  const eventType = await api("POST", "/v1/event-types", {
    slug: "consult",
    title: "Consult",
    durations: [60],
    hostIds: [hostId],
    location: {
      kind: harness.meeting.kind,
      ...(harness.meeting.value ? { value: harness.meeting.value } : {}),
    },
    rules: { horizon: { type: "rolling", days: 120 } },
  });
  expect(eventType.status, JSON.stringify(eventType.body)).toBe(201);
  // Receives nothing (port 9 is closed): the deliveries written are what is checked.
  await api("POST", "/v1/webhook-endpoints", { url: "http://127.0.0.1:9/hooks" });
  return {
    service,
    base,
    api,
    slug: tenant.slug,
    hostId,
    async close() {
      await service?.stop();
      await harness.stop();
      await scratch?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
