import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { syncWindow } from "../src/jobs/calendar-sync-jobs.ts";
import { createOutboundGuard } from "../src/outbound/guarded-fetch.ts";
import { createSourceFactory } from "../src/providers/source-registry.ts";
import { generateKeySpec, parseKeyRing } from "../src/secrets/key-ring.ts";
import type { Store } from "../src/store/database.ts";
import { createConnectionEvents } from "../src/sync/connection-events.ts";
import { syncConnection } from "../src/sync/sync-connection.ts";
import { buildBookingTestApp } from "./support/booking-test-app.ts";
import { createTestTenant } from "./support/test-app.ts";
import { backends, openTestStore } from "./support/test-stores.ts";

// An Outlook-style feed: Windows zone name without a VTIMEZONE, a weekly meeting, one cancelled occurrence.
const feed = [
  "BEGIN:VCALENDAR",
  "VERSION:2.0",
  "PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN",
  "BEGIN:VEVENT",
  "UID:weekly-sync",
  "DTSTART;TZID=W. Europe Standard Time:20300304T100000",
  "DTEND;TZID=W. Europe Standard Time:20300304T110000",
  "RRULE:FREQ=WEEKLY;BYDAY=MO",
  "SUMMARY:Team sync",
  "END:VEVENT",
  "BEGIN:VEVENT",
  "UID:weekly-sync",
  "RECURRENCE-ID;TZID=W. Europe Standard Time:20300311T100000",
  "DTSTART;TZID=W. Europe Standard Time:20300311T100000",
  "DTEND;TZID=W. Europe Standard Time:20300311T110000",
  "STATUS:CANCELLED",
  "SUMMARY:Team sync (cancelled)",
  "END:VEVENT",
  "END:VCALENDAR",
  "",
].join("\r\n");

describe.each(backends)(".ics feed connections on %s", (backend) => {
  let store: Store;
  let dispose: () => Promise<void>;
  let app: FastifyInstance;
  let server: Server;
  let feedUrl: string;
  let mode: "ok" | "fail" = "ok";
  const conditionalRequests: string[] = [];
  const keyRing = parseKeyRing(generateKeySpec("k1"));
  const now = () => new Date("2030-02-28T12:00:00Z");
  const settings = {
    keyRing,
    icsFeeds: { guard: createOutboundGuard({ allow: ["127.0.0.1"] }), maxBytes: 1_000_000, timeoutMs: 5000 },
  };
  /** Hosts whose busy rows a sync may have changed (the service drops their cached slots). */
  const busyChanged: string[] = [];
  const syncDeps = () => ({
    db: store.db,
    sources: createSourceFactory({ ...settings, tokens: { db: store.db, now } }),
    events: createConnectionEvents({ db: store.db, now }),
    logger: pino({ level: "silent" }),
    now,
    window: (at: Date) => syncWindow(at),
    onBusyChanged: (target: { hostId: string }) => busyChanged.push(target.hostId),
  });

  beforeAll(async () => {
    server = createServer((request, response) => {
      if (mode === "fail") return void response.writeHead(500).end("down");
      if (request.headers["if-none-match"] === '"feed-1"') {
        conditionalRequests.push(request.url ?? "");
        return void response.writeHead(304).end();
      }
      response.writeHead(200, { "content-type": "text/calendar", etag: '"feed-1"' }).end(feed);
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    feedUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/team.ics`;
    ({ store, dispose } = await openTestStore(backend));
    ({ app } = await buildBookingTestApp(store, {
      keyRing,
      now,
      connections: {
        db: store.db,
        keyRing,
        outbound: settings.icsFeeds.guard,
        // Inline for the test; the service enqueues a job instead.
        requestSync: (connectionId) => syncConnection(syncDeps(), connectionId),
      },
    }));
  });
  afterAll(async () => {
    await app.close();
    await dispose();
    server.close();
  });

  it("mirrors a feed into busy time, revalidates with ETag, and keeps the last good data when it fails", async () => {
    const tenant = await createTestTenant(store, "Feed Co");
    const headers = tenant.auth;
    const host = (
      await app.inject({
        method: "POST",
        url: "/v1/hosts",
        headers,
        payload: { name: "F", timeZone: "Europe/Berlin" },
      })
    ).json();
    await app.inject({
      method: "POST",
      url: `/v1/hosts/${host.id}/schedules`,
      headers,
      payload: { timeZone: "Europe/Berlin", weekly: { mon: [["09:00", "12:00"]] } },
    });
    await app.inject({
      method: "POST",
      url: "/v1/event-types",
      headers,
      payload: { slug: "chat", title: "Chat", durations: [60], hostIds: [host.id] },
    });
    const slotsOn = async (date: string) =>
      (
        await app.inject({
          url: `/v1/public/${tenant.slug}/chat/slots?from=${date}T00:00:00Z&to=${date}T23:59:00Z&timeZone=Europe/Berlin`,
        })
      )
        .json()
        .slots.map((slot: { start: string }) => slot.start);
    // Before connecting: 09:00, 10:00, 11:00 Berlin = 08:00, 09:00, 10:00 UTC.
    expect(await slotsOn("2030-03-04")).toEqual([
      "2030-03-04T08:00:00Z",
      "2030-03-04T09:00:00Z",
      "2030-03-04T10:00:00Z",
    ]);

    const created = await app.inject({
      method: "POST",
      url: `/v1/hosts/${host.id}/connections`,
      headers,
      payload: { provider: "ics", url: feedUrl, name: "Outlook (published)" },
    });
    expect(created.statusCode).toBe(201);
    const connection = created.json();
    expect(connection).toMatchObject({
      provider: "ics",
      status: "connected",
      displayName: "Outlook (published)",
      lastError: null,
    });
    expect(JSON.stringify(connection)).not.toContain("team.ics"); // the URL is a secret: never echoed
    expect(busyChanged).toEqual([host.id]);

    // The weekly 10:00-11:00 Berlin meeting blocks 09:00 UTC; the cancelled occurrence on the 11th blocks nothing.
    expect(await slotsOn("2030-03-04")).toEqual(["2030-03-04T08:00:00Z", "2030-03-04T10:00:00Z"]);
    expect(await slotsOn("2030-03-11")).toEqual([
      "2030-03-11T08:00:00Z",
      "2030-03-11T09:00:00Z",
      "2030-03-11T10:00:00Z",
    ]);

    const again = await app.inject({
      method: "POST",
      url: `/v1/hosts/${host.id}/connections/${connection.id}/sync`,
      headers,
    });
    expect(again.json()).toMatchObject({ status: "unchanged" });
    expect(conditionalRequests).toEqual(["/team.ics"]);
    expect(busyChanged).toEqual([host.id]); // nothing written, nothing to drop

    mode = "fail";
    const failed = await app.inject({
      method: "POST",
      url: `/v1/hosts/${host.id}/connections/${connection.id}/sync`,
      headers,
    });
    expect(failed.json()).toMatchObject({ status: "failed", progress: { state: "failed" } });
    const after = (
      await app.inject({ url: `/v1/hosts/${host.id}/connections/${connection.id}`, headers })
    ).json();
    expect(after.status).toBe("error");
    expect(after.lastError).toMatch(/500/);
    expect(after.lastSyncedAt).toBe(connection.lastSyncedAt);
    expect(after.calendars[0]).toMatchObject({
      consecutiveFailures: 1,
      lastSuccessAt: connection.lastSyncedAt,
    });
    expect(await slotsOn("2030-03-04")).toEqual(["2030-03-04T08:00:00Z", "2030-03-04T10:00:00Z"]); // last good data
    mode = "ok";

    // Fail closed: once the feed's last success is older than 30 minutes, the host is not offered and a booking of
    // a formerly free time is refused with the reason; the answer says how old the calendar data is.
    const fresh = (
      await app.inject({
        url: `/v1/public/${tenant.slug}/chat/slots?from=2030-03-04T00:00:00Z&to=2030-03-05T00:00:00Z&timeZone=UTC`,
      })
    ).json();
    expect(Date.parse(fresh.asOf)).toBe(Date.parse(connection.lastSyncedAt));
    await store.executeSql(
      "update calendar_sync_states set last_success_at = last_success_at - interval '2 hours' where connection_id = $1",
      [connection.id],
    );
    const stale = (
      await app.inject({
        url: `/v1/public/${tenant.slug}/chat/slots?from=2030-03-04T00:00:00Z&to=2030-03-05T00:00:00Z&timeZone=UTC`,
      })
    ).json();
    expect(stale.slots).toEqual([]);
    expect(stale.reason).toEqual({
      code: "calendar_unavailable",
      message: expect.stringMatching(/has not synced since/),
    });
    expect(stale.asOf).toBe("2030-02-28T10:00:00Z");
    const refused = await app.inject({
      method: "POST",
      url: `/v1/public/${tenant.slug}/chat/bookings`,
      payload: { start: "2030-03-04T08:00:00Z", timeZone: "UTC", name: "Ina", email: "ina@example.com" },
    });
    expect(refused.statusCode).toBe(422);
    expect(JSON.stringify(refused.json())).toMatch(/has not synced since 2030-02-28T10:00:00/);

    const removed = await app.inject({
      method: "DELETE",
      url: `/v1/hosts/${host.id}/connections/${connection.id}`,
      headers,
    });
    expect(removed.statusCode).toBe(204);
    expect(await slotsOn("2030-03-04")).toHaveLength(3);

    // Every read of the feed is in the audit log: the connection, how many events, the outcome.
    const log = (await app.inject({ url: `/v1/audit?hostId=${host.id}`, headers })).json().data as Array<{
      action: string;
      outcome: string;
      provider: string;
      target: { connectionId: string };
      details: { itemCount?: number; errorKind?: string };
    }>;
    const reads = log.filter((entry) => entry.action === "calendar.read").reverse();
    expect(reads.map((entry) => [entry.outcome, entry.provider, entry.target.connectionId])).toEqual([
      ["success", "ics", connection.id],
      ["success", "ics", connection.id],
      ["failure", "ics", connection.id],
    ]);
    expect(reads[0]!.details.itemCount).toBeGreaterThan(0);
    expect(reads[2]!.details.errorKind).toBe("unavailable");
    expect(log.map((entry) => entry.action)).toEqual(
      expect.arrayContaining(["connection.connected", "connection.error", "connection.disconnected"]),
    );
  });

  it("refuses internal and non-http URLs with a clear 400", async () => {
    const tenant = await createTestTenant(store, "Guarded Co");
    const host = (
      await app.inject({
        method: "POST",
        url: "/v1/hosts",
        headers: tenant.auth,
        payload: { name: "G", timeZone: "UTC" },
      })
    ).json();
    for (const [url, message] of [
      ["http://10.0.0.1/feed.ics", /internal/],
      ["http://[::1]/feed.ics", /internal/],
      ["webcal://169.254.169.254/latest/feed.ics", /internal/],
      ["http://0x0a.0.0.1/feed.ics", /internal/],
      ["http://[::ffff:10.0.0.1]/feed.ics", /internal/],
      ["ftp://example.com/feed.ics", /only http, https and webcal/],
      ["not a url", /not a valid URL/],
    ] as const) {
      const response = await app.inject({
        method: "POST",
        url: `/v1/hosts/${host.id}/connections`,
        headers: tenant.auth,
        payload: { provider: "ics", url },
      });
      expect(response.statusCode, url).toBe(400);
      expect(response.json().error.message).toMatch(message);
    }
    const listed = await app.inject({ url: `/v1/hosts/${host.id}/connections`, headers: tenant.auth });
    expect(listed.json().data).toEqual([]);
  });
});
