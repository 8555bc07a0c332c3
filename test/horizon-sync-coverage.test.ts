import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOutboundGuard } from "../src/outbound/guarded-fetch.ts";
import { createSourceFactory } from "../src/providers/source-registry.ts";
import { generateKeySpec, parseKeyRing } from "../src/secrets/key-ring.ts";
import type { Store } from "../src/store/database.ts";
import { createConnectionEvents } from "../src/sync/connection-events.ts";
import { horizonResync } from "../src/sync/horizon-resync.ts";
import { horizonSyncWindow } from "../src/sync/horizon-window.ts";
import { syncConnection } from "../src/sync/sync-connection.ts";
import { buildBookingTestApp } from "./support/booking-test-app.ts";
import { createTestTenant } from "./support/test-app.ts";
import { backends, openTestStore } from "./support/test-stores.ts";

// A weekly Monday meeting, 10:00-11:00 Berlin, with no end: it blocks far dates too, once they are synced.
const feed = [
  "BEGIN:VCALENDAR",
  "VERSION:2.0",
  "PRODID:-//Test//EN",
  "BEGIN:VEVENT",
  "UID:weekly",
  "DTSTART;TZID=Europe/Berlin:20300304T100000",
  "DTEND;TZID=Europe/Berlin:20300304T110000",
  "RRULE:FREQ=WEEKLY;BYDAY=MO",
  "SUMMARY:Weekly",
  "END:VEVENT",
  "END:VCALENDAR",
  "",
].join("\r\n");

describe.each(backends)("synced window follows a lengthened horizon on %s", (backend) => {
  let store: Store;
  let dispose: () => Promise<void>;
  let app: FastifyInstance;
  let server: Server;
  let feedUrl: string;
  const keyRing = parseKeyRing(generateKeySpec("k1"));
  const now = () => new Date("2030-02-28T12:00:00Z");
  const requested: string[] = [];
  const syncDeps = () => ({
    db: store.db,
    sources: createSourceFactory({
      keyRing,
      icsFeeds: {
        guard: createOutboundGuard({ allow: ["127.0.0.1"] }),
        maxBytes: 1_000_000,
        timeoutMs: 5000,
      },
      tokens: { db: store.db, now },
    }),
    events: createConnectionEvents({ db: store.db, now }),
    logger: pino({ level: "silent" }),
    now,
    window: horizonSyncWindow({ db: store.db, maxDays: 366, staleMinutes: 30 }),
  });

  beforeAll(async () => {
    server = createServer((_request, response) => {
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
        outbound: createOutboundGuard({ allow: ["127.0.0.1"] }),
        requestSync: (connectionId) => syncConnection(syncDeps(), connectionId),
      },
      // The service enqueues a sync job; the test records the request and runs the sync itself, afterwards.
      horizonChanged: (tenantId) =>
        horizonResync({
          db: store.db,
          window: syncDeps().window,
          now,
          requestSync: async (connectionId) => void requested.push(connectionId),
        })(tenantId),
    }));
  });
  afterAll(async () => {
    await app.close();
    await dispose();
    server.close();
  });

  it("fails closed past the last listing until the sync the horizon change asked for has run", async () => {
    const tenant = await createTestTenant(store, "Horizon Co");
    const headers = tenant.auth;
    const host = (
      await app.inject({
        method: "POST",
        url: "/v1/hosts",
        headers,
        payload: { name: "H", timeZone: "Europe/Berlin" },
      })
    ).json();
    const chat = (days: number) => ({
      slug: "chat",
      title: "Chat",
      durations: [60],
      hostIds: [host.id],
      rules: { horizon: { type: "rolling", days } },
    });
    await app.inject({
      method: "POST",
      url: `/v1/hosts/${host.id}/schedules`,
      headers,
      payload: { timeZone: "Europe/Berlin", weekly: { mon: [["09:00", "12:00"]] } },
    });
    const eventType = (
      await app.inject({
        method: "POST",
        url: "/v1/event-types",
        headers,
        payload: chat(30),
      })
    ).json();
    const created = await app.inject({
      method: "POST",
      url: `/v1/hosts/${host.id}/connections`,
      headers,
      payload: { provider: "ics", url: feedUrl, name: "Feed" },
    });
    expect(created.statusCode).toBe(201);
    const connectionId = created.json().id;
    // With a 30-day horizon the window is short: 30 days + the stale slack (2 days) from now.
    const { rows } = await store.executeSql(
      "select synced_until from calendar_sync_states where connection_id = $1",
      [connectionId],
    );
    expect(new Date(rows[0]?.synced_until as string).toISOString()).toBe("2030-04-01T12:00:00.000Z");

    const slotsOn = async (date: string) =>
      (
        await app.inject({
          url: `/v1/public/${tenant.slug}/chat/slots?from=${date}T00:00:00Z&to=${date}T23:59:00Z&timeZone=UTC`,
        })
      )
        .json()
        .slots.map((slot: { start: string }) => slot.start);
    // Inside the window: the meeting (09:00 UTC in winter) is respected.
    expect(await slotsOn("2030-03-04")).toEqual(["2030-03-04T08:00:00Z", "2030-03-04T10:00:00Z"]);

    expect(requested).toEqual([]); // the 30-day horizon was synced by the connect itself
    const updated = await app.inject({
      method: "PUT",
      url: `/v1/event-types/${eventType.id}`,
      headers,
      payload: chat(300),
    });
    expect(updated.statusCode).toBe(200);
    expect(requested).toEqual([connectionId]);

    // Far ahead (2030-09-02, a Monday in summer time): never listed, so not offered until a sync lists it.
    expect(await slotsOn("2030-03-04")).toEqual(["2030-03-04T08:00:00Z", "2030-03-04T10:00:00Z"]);
    expect(await slotsOn("2030-09-02")).toEqual([]);

    const outcome = await syncConnection(syncDeps(), connectionId);
    expect(outcome?.status).toBe("updated");
    // Listed now: offered, with the feed's meeting (10:00-11:00 Berlin = 08:00 UTC in summer) respected.
    expect(await slotsOn("2030-09-02")).toEqual(["2030-09-02T07:00:00Z", "2030-09-02T09:00:00Z"]);
  });
});
