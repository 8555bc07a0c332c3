import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CalendarSource, NewCalendarEvent, SyncCursor } from "../src/core/sync/calendar-source.ts";
import { createOutboundGuard } from "../src/outbound/guarded-fetch.ts";
import { createCalDavCalendarSource } from "../src/providers/caldav/caldav-calendar-source.ts";
import { createCalDavClient } from "../src/providers/caldav/caldav-client.ts";
import { discoverCalDavAccount } from "../src/providers/caldav/caldav-discovery.ts";
import { createGuardedProviderFetch } from "../src/providers/guarded-provider-fetch.ts";
import { sharedFeedReader } from "../src/providers/ics/feed-worker-pool.ts";
import { createProviderHttp } from "../src/providers/provider-http.ts";
import { type RadicaleServer, radicaleAvailable, startRadicale } from "./support/radicale-harness.ts";

/**
 * The CalDAV adapter on its own, against a real Radicale and small fixture servers: a retried create makes one
 * event, a stale ETag is a conflict (not an overwrite), a refused sync token asks for a full listing, the
 * getctag/ETag path for servers without sync-collection, discovery through iCloud's redirect shapes, and the bad
 * answers (a redirect to an internal address, a 10 MB object).
 */
const USER = "ana";
const PASSWORD = "secret-1";
const window = { from: new Date(Date.now() - 86_400_000), to: new Date(Date.now() + 30 * 86_400_000) };

function httpFor(maxBytes = 10 * 1_048_576) {
  return createProviderHttp({
    provider: "caldav",
    fetch: createGuardedProviderFetch({
      guard: createOutboundGuard({ allow: ["127.0.0.1"] }),
      maxBytes,
      timeoutMs: 10_000,
    }),
    backoff: { baseMs: 1, capMs: 5 },
  });
}

function sourceFor(homeUrl: string, maxBytes?: number): CalendarSource {
  return createCalDavCalendarSource({
    client: createCalDavClient({
      http: httpFor(maxBytes),
      credentials: { username: USER, password: PASSWORD },
      account: "test",
      serverUrl: homeUrl,
    }),
    homeUrl,
    organizerEmail: "ana@example.org",
    now: () => new Date(),
    reader: sharedFeedReader(),
  });
}

const at = (hours: number) => new Date(Math.floor(Date.now() / 3_600_000 + hours) * 3_600_000);

function newEvent(key: string, start: Date): NewCalendarEvent {
  return {
    idempotencyKey: key,
    start,
    end: new Date(start.getTime() + 3_600_000),
    timeZone: "Europe/Berlin",
    summary: "Consult with Bo",
    description: "Reschedule or cancel: https://example.org/m/1",
    attendees: [{ name: "Bo", email: "bo@example.org" }],
  };
}

describe.runIf(radicaleAvailable)("CalDAV source against Radicale", () => {
  let radicale: RadicaleServer;
  let source: CalendarSource;
  let calendarRef: string;

  beforeAll(async () => {
    radicale = await startRadicale({ [USER]: PASSWORD });
    await radicale.makeCalendar(USER, "cal");
    source = sourceFor(`${radicale.url}/${USER}/`);
    calendarRef = `${radicale.url}/${USER}/cal/`;
  }, 60_000);
  afterAll(async () => {
    await radicale?.stop();
  });

  it("makes one event when a create is repeated, and answers the same resource and ETag", async () => {
    const key = "calbridge-11111111-2222-4333-8444-555555555555-abcdef01";
    const first = await source.createEvent!({ calendarRef, event: newEvent(key, at(48)) });
    const again = await source.createEvent!({ calendarRef, event: newEvent(key, at(48)) });
    expect(first.ok && again.ok).toBe(true);
    if (!first.ok || !again.ok) return;
    expect(again.value.eventRef).toBe(first.value.eventRef);
    expect(again.value.version).toBe(first.value.version);
    expect((await radicale.list(USER, `/${USER}/cal/`)).filter((href) => href.includes(key))).toHaveLength(1);
  });

  it("refuses to overwrite an event the host changed since our write (412 -> conflict)", async () => {
    const key = "calbridge-11111111-2222-4333-8444-666666666666-abcdef01";
    const created = await source.createEvent!({ calendarRef, event: newEvent(key, at(72)) });
    if (!created.ok) throw new Error(created.error.message);
    const path = new URL(created.value.eventRef).pathname;
    const current = await radicale.get(USER, path);
    const edited = await radicale.put(
      USER,
      path,
      current.body.replace("SUMMARY:Consult with Bo", "SUMMARY:Mine now"),
    );
    expect(edited.status).toBeLessThan(300);
    const update = await source.updateEvent!({
      calendarRef,
      eventRef: created.value.eventRef,
      event: newEvent(key, at(73)),
      version: created.value.version!,
    });
    expect(update).toMatchObject({ ok: false, error: { kind: "conflict" } });
    expect((await radicale.get(USER, path)).body).toContain("SUMMARY:Mine now");
    // The write job reads the host's version back (two-way rules apply it); gone is null.
    const read = await source.readEvent!({ calendarRef, eventRef: created.value.eventRef });
    expect(read).toMatchObject({ ok: true, value: { start: at(72), etag: edited.etag } });
    await radicale.remove(USER, path);
    expect(await source.readEvent!({ calendarRef, eventRef: created.value.eventRef })).toEqual({
      ok: true,
      value: null,
    });
  });

  it("answers sync_cursor_invalid for a sync token the server refuses", async () => {
    const cursor = JSON.stringify({
      token: "http://radicale.org/ns/sync/bogus",
      windowTo: window.to.getTime(),
    });
    const pulled = await source.pull({
      calendarRef,
      cursor: cursor as SyncCursor,
      window,
      hostTimeZone: "UTC",
    });
    expect(pulled).toMatchObject({ ok: false, error: { kind: "sync_cursor_invalid" } });
  });

  it("compares getctag and ETags when there is no sync token", async () => {
    const cursor = JSON.stringify({ ctag: "old", etags: {}, windowTo: window.to.getTime() }) as SyncCursor;
    const first = await source.pull({ calendarRef, cursor, window, hostTimeZone: "UTC" });
    if (!first.ok || first.value.kind !== "delta")
      throw new Error(`expected a delta: ${JSON.stringify(first)}`);
    expect(first.value.upserts.map((interval) => interval.bookingId)).toEqual(
      expect.arrayContaining(["11111111-2222-4333-8444-555555555555"]),
    );
    expect(first.value.removedRefs).toEqual([]);
    const second = await source.pull({
      calendarRef,
      cursor: first.value.nextCursor,
      window,
      hostTimeZone: "UTC",
    });
    expect(second).toMatchObject({ ok: true, value: { kind: "unchanged" } });
    // A resource gone since: removed by its URL (the series of all its occurrences).
    const [href] = Object.keys(JSON.parse(first.value.nextCursor!).etags);
    expect(await radicale.remove(USER, new URL(href!).pathname)).toBe(200);
    const third = await source.pull({
      calendarRef,
      cursor: first.value.nextCursor,
      window,
      hostTimeZone: "UTC",
    });
    expect(third).toMatchObject({ ok: true, value: { kind: "delta", removedRefs: [href] } });
  });
});

type Handler = (request: IncomingMessage, body: string, response: ServerResponse) => void;

async function fixtureServer(handler: Handler): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => handler(request, Buffer.concat(chunks).toString("utf8"), response));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const multistatus = (inner: string) =>
  `<?xml version="1.0"?><d:multistatus xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">${inner}</d:multistatus>`;
const propResponse = (href: string, prop: string) =>
  `<d:response><d:href>${href}</d:href><d:propstat><d:prop>${prop}</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>`;

describe("CalDAV discovery with iCloud's redirect shapes", () => {
  it("follows the well-known redirect to another host and the partition host of the calendar home", async () => {
    const seen: string[] = [];
    const partition = await fixtureServer((request, _body, response) => {
      seen.push(`partition ${request.method} ${request.url}`);
      response.writeHead(207, { "content-type": "application/xml" }).end(multistatus(""));
    });
    const principalHost = await fixtureServer((request, _body, response) => {
      seen.push(`principal ${request.method} ${request.url} auth=${Boolean(request.headers.authorization)}`);
      const principal =
        "<d:current-user-principal><d:href>/123456/principal/</d:href></d:current-user-principal>";
      const home = `<c:calendar-home-set><d:href>${partition.url.replace("127.0.0.1", "localhost")}/123456/calendars/</d:href></c:calendar-home-set>`;
      const prop = request.url === "/" ? principal : home;
      response
        .writeHead(207, { "content-type": "application/xml" })
        .end(multistatus(propResponse(request.url!, prop)));
    });
    const front = await fixtureServer((request, _body, response) => {
      seen.push(`front ${request.method} ${request.url} auth=${Boolean(request.headers.authorization)}`);
      if (request.url === "/.well-known/caldav")
        response
          .writeHead(301, { location: `${principalHost.url.replace("127.0.0.1", "localhost")}/` })
          .end();
      else response.writeHead(404).end();
    });
    try {
      const client = createCalDavClient({
        http: httpFor(),
        credentials: { username: USER, password: PASSWORD },
        account: "d",
        serverUrl: front.url,
      });
      const found = await discoverCalDavAccount({ client, serverUrl: new URL(front.url) });
      const partitionHome = `${partition.url.replace("127.0.0.1", "localhost")}/123456/calendars/`;
      expect(found).toEqual({
        ok: true,
        value: {
          principalUrl: `${principalHost.url.replace("127.0.0.1", "localhost")}/123456/principal/`,
          homeUrl: partitionHome,
        },
      });
      // The credentials went to the server given, not over plain http to the host it redirected to.
      expect(seen).toEqual([
        "front PROPFIND /.well-known/caldav auth=true",
        "principal PROPFIND / auth=false",
        "principal PROPFIND /123456/principal/ auth=false",
      ]);
    } finally {
      await Promise.all([front.close(), principalHost.close(), partition.close()]);
    }
  });

  it("refuses a redirect to an internal address", async () => {
    const front = await fixtureServer((_request, _body, response) =>
      response.writeHead(307, { location: "http://169.254.169.254/latest/" }).end(),
    );
    try {
      const client = createCalDavClient({
        http: httpFor(),
        credentials: { username: USER, password: PASSWORD },
        account: "d",
        serverUrl: front.url,
      });
      const found = await discoverCalDavAccount({ client, serverUrl: new URL(`${front.url}/dav/`) });
      expect(found).toMatchObject({ ok: false, error: { kind: "forbidden_target" } });
    } finally {
      await front.close();
    }
  });

  it("fails a listing with an object over the size limit instead of reading it all", async () => {
    const huge = "X".repeat(11 * 1_048_576);
    const server = await fixtureServer((_request, _body, response) => {
      response
        .writeHead(207, { "content-type": "application/xml" })
        .end(
          multistatus(
            propResponse(
              "/cal/huge.ics",
              `<d:getetag>"1"</d:getetag><c:calendar-data>${huge}</c:calendar-data>`,
            ),
          ),
        );
    });
    try {
      const pulled = await sourceFor(`${server.url}/`).pull({
        calendarRef: `${server.url}/cal/`,
        cursor: null,
        window,
        hostTimeZone: "UTC",
      });
      expect(pulled).toMatchObject({ ok: false, error: { kind: "invalid_data" } });
      if (!pulled.ok) expect(pulled.error.message).toMatch(/larger than the limit/);
    } finally {
      await server.close();
    }
  });

  it("lists a calendar too large for one answer as ETags plus multiget batches", async () => {
    const event = [
      "BEGIN:VCALENDAR",
      "VERSION:2.0",
      "PRODID:-//t//EN",
      "BEGIN:VEVENT",
      "UID:big-1",
      "DTSTAMP:20300101T000000Z",
      `DTSTART:${at(30).toISOString().replace(/[-:]/g, "").slice(0, 15)}Z`,
      `DTEND:${at(31).toISOString().replace(/[-:]/g, "").slice(0, 15)}Z`,
      "END:VEVENT",
      "END:VCALENDAR",
    ].join("\r\n");
    const asked: string[] = [];
    const server = await fixtureServer((request, body, response) => {
      const kind = body.includes("calendar-multiget")
        ? "multiget"
        : body.includes("calendar-query")
          ? body.includes("calendar-data")
            ? "query+data"
            : "query"
          : (request.method ?? "");
      asked.push(kind);
      const answer =
        kind === "query+data"
          ? propResponse("/cal/a.ics", `<c:calendar-data>${"X".repeat(50_000)}</c:calendar-data>`)
          : kind === "query"
            ? propResponse("/cal/a.ics", `<d:getetag>"1"</d:getetag>`)
            : kind === "multiget"
              ? propResponse(
                  "/cal/a.ics",
                  `<d:getetag>"1"</d:getetag><c:calendar-data>${event}</c:calendar-data>`,
                )
              : propResponse("/cal/", "<d:sync-token>t1</d:sync-token>");
      response.writeHead(207, { "content-type": "application/xml" }).end(multistatus(answer));
    });
    try {
      const pulled = await sourceFor(`${server.url}/`, 20_000).pull({
        calendarRef: `${server.url}/cal/`,
        cursor: null,
        window,
        hostTimeZone: "UTC",
      });
      expect(asked).toEqual(["PROPFIND", "query+data", "query", "multiget"]);
      expect(pulled).toMatchObject({
        ok: true,
        value: { kind: "snapshot", intervals: [{ sourceRef: `${server.url}/cal/a.ics`, etag: '"1"' }] },
      });
    } finally {
      await server.close();
    }
  });
});
