import type { FastifyInstance } from "fastify";
import ICAL from "ical.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { replaceBusyWindow } from "../src/store/busy-cache.ts";
import type { Store } from "../src/store/database.ts";
import { type HostId, newId, type TenantId } from "../src/store/ids.ts";
import { calendarConnections } from "../src/store/schema.ts";
import { buildBookingTestApp } from "./support/booking-test-app.ts";
import { itWithPythonIcalendar, runPythonIcalendar } from "./support/python-icalendar.ts";
import { createTestTenant } from "./support/test-app.ts";
import { backends, openTestStore } from "./support/test-stores.ts";

// "Now" is 2030-02-28 12:00 UTC (the booking test app's clock); Monday 2030-03-04 is bookable, Berlin is UTC+1.
const monday = "2030-03-04";

/** Debian's python3-icalendar, an independent reader: one line per VEVENT. */
function readWithPython(ics: string): string[] {
  return runPythonIcalendar(
    [
      "-c",
      "import sys, icalendar; c = icalendar.Calendar.from_ical(sys.stdin.read()); print(c['METHOD']); " +
        "[print(e['UID'], e['SEQUENCE'], e['STATUS'], e['SUMMARY'], e.decoded('DTSTART').isoformat(), " +
        "e.decoded('DTEND').isoformat()) for e in c.walk('VEVENT')]",
    ],
    ics,
  )
    .trim()
    .split("\n");
}

function eventsOf(ics: string): ICAL.Event[] {
  const calendar = new ICAL.Component(ICAL.parse(ics));
  expect(calendar.getFirstPropertyValue("method")).toBe("PUBLISH");
  return calendar.getAllSubcomponents("vevent").map((vevent) => new ICAL.Event(vevent));
}

describe.each(backends)("export feeds on %s", (backend) => {
  let store: Store;
  let dispose: () => Promise<void>;
  let app: FastifyInstance;
  let auth: { authorization: string };
  let other: { authorization: string };
  let tenantId: TenantId;
  let hostId: string;
  const booked: Record<string, { id: string; icalUid: string }> = {};

  const feedsUrl = () => `/v1/hosts/${hostId}/feeds`;
  const pathOf = (url: string) => new URL(url).pathname;
  const createFeed = async (payload?: Record<string, unknown>) => {
    const response = await app.inject({ method: "POST", url: feedsUrl(), headers: auth, payload });
    expect(response.statusCode).toBe(201);
    return response.json() as { id: string; url: string; webcalUrl: string; includeBusy: boolean };
  };

  beforeAll(async () => {
    ({ store, dispose } = await openTestStore(backend));
    ({ app } = await buildBookingTestApp(store));
    const tenant = await createTestTenant(store, "Feed Co");
    ({ auth, tenantId } = tenant);
    other = (await createTestTenant(store, "Other Co")).auth;
    const post = (url: string, payload: Record<string, unknown>) =>
      app.inject({ method: "POST", url, headers: auth, payload });
    const zone = { timeZone: "Europe/Berlin" };
    hostId = (await post("/v1/hosts", { ...zone, name: "Dana Expert", email: "dana@expert.example" })).json()
      .id;
    await post(`/v1/hosts/${hostId}/schedules`, { ...zone, weekly: { mon: [["09:00", "12:00"]] } });
    for (const [slug, requiresConfirmation] of [
      ["intro-call", false],
      ["vetted-call", true],
    ] as const) {
      const eventType = await post("/v1/event-types", {
        slug,
        title: "Intro call",
        durations: [30],
        hostIds: [hostId],
        requiresConfirmation,
      });
      expect(eventType.statusCode).toBe(201);
    }
    const book = async (name: string, slug: string, start: string) => {
      const response = await app.inject({
        method: "POST",
        url: `/v1/public/${tenant.slug}/${slug}/bookings`,
        payload: { start, timeZone: "UTC", name, email: `${name.toLowerCase()}@example.com` },
      });
      expect(response.statusCode).toBe(201);
      booked[name] = response.json();
    };
    await book("Ina", "intro-call", `${monday}T08:00:00Z`);
    await book("Pia", "vetted-call", `${monday}T09:00:00Z`);
    await book("Carl", "intro-call", `${monday}T10:00:00Z`);
    // Ina's booking moves (SEQUENCE 1), Carl's is cancelled.
    const moved = await app.inject({
      method: "POST",
      url: `/v1/bookings/${booked.Ina!.id}/reschedule`,
      headers: auth,
      payload: { start: `${monday}T08:30:00Z` },
    });
    expect(moved.statusCode).toBe(200);
    const cancelled = await app.inject({
      method: "POST",
      url: `/v1/bookings/${booked.Carl!.id}/cancel`,
      headers: auth,
      payload: { reason: "Host is ill" },
    });
    expect(cancelled.statusCode).toBe(200);
    // Busy time from a connected calendar, as the sync engine would write it.
    const connectionId = newId();
    await store.db.insert(calendarConnections).values({
      id: connectionId,
      tenantId,
      hostId,
      provider: "ics",
      displayName: "Private calendar",
    });
    await replaceBusyWindow(store.db, {
      tenantId,
      hostId: hostId as HostId,
      connectionId,
      calendarRef: "default",
      window: { from: new Date("2030-03-01T00:00:00Z"), to: new Date("2030-04-01T00:00:00Z") },
      intervals: [
        {
          start: new Date("2030-03-05T13:00:00Z"),
          end: new Date("2030-03-05T14:00:00Z"),
          status: "busy",
          sourceRef: "secret-dentist-appointment",
        },
        // The host's calendar also holds Ina's (moved) booking: the feed shows it once, as the booking.
        {
          start: new Date(`${monday}T08:30:00Z`),
          end: new Date(`${monday}T09:00:00Z`),
          status: "busy",
          sourceRef: "copy-of-ina",
        },
        {
          start: new Date("2030-03-06T13:00:00Z"),
          end: new Date("2030-03-06T14:00:00Z"),
          status: "free",
          sourceRef: "lunch-free",
        },
      ],
    });
  });
  afterAll(async () => {
    await app.close();
    await dispose();
  });

  it("issues a secret https and webcal URL whose token is never listed", async () => {
    const feed = await createFeed();
    expect(feed.includeBusy).toBe(false);
    expect(feed.url).toMatch(/^http:\/\/localhost:3000\/v1\/feeds\/[A-Za-z0-9_-]{43}\.ics$/);
    expect(feed.webcalUrl).toBe(feed.url.replace(/^http:/, "webcal:"));
    const token = pathOf(feed.url).slice("/v1/feeds/".length, -".ics".length);
    const listed = await app.inject({ url: feedsUrl(), headers: auth });
    expect(listed.statusCode).toBe(200);
    expect(listed.json().data.map((row: { id: string }) => row.id)).toContain(feed.id);
    expect(listed.body).not.toContain(token);
    // Only the SHA-256 is stored.
    const stored = await store.executeSql("select token_hash from host_feeds where id = $1", [feed.id]);
    expect(stored.rows[0]!.token_hash).not.toContain(token);
    expect(String(stored.rows[0]!.token_hash)).toMatch(/^[0-9a-f]{64}$/);
  });

  it("serves confirmed and pending bookings as PUBLISH, omits cancelled ones, validates with ical.js", async () => {
    const feed = await createFeed();
    const response = await app.inject({ url: pathOf(feed.url) });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toBe("text/calendar; charset=utf-8");
    expect(response.headers["cache-control"]).toBe("private, max-age=300");
    expect(response.headers["content-disposition"]).toBe('inline; filename="calendar.ics"');
    expect(response.headers.etag).toMatch(/^"[A-Za-z0-9_-]{43}"$/);

    const events = eventsOf(response.body);
    expect(events.map((event) => event.uid)).toEqual([booked.Ina!.icalUid, booked.Pia!.icalUid]);
    const [ina, pia] = events;
    expect(ina!.sequence).toBe(1);
    expect(ina!.startDate.toJSDate().toISOString()).toBe(`${monday}T08:30:00.000Z`);
    expect(ina!.endDate.toJSDate().toISOString()).toBe(`${monday}T09:00:00.000Z`);
    expect(ina!.component.getFirstProperty("dtstart")!.getParameter("tzid")).toBe("Europe/Berlin");
    expect(ina!.summary).toBe("Intro call: Ina");
    expect(ina!.description).toContain("Attendee: Ina <ina@example.com>");
    expect(ina!.component.getFirstPropertyValue("status")).toBe("CONFIRMED");
    expect(pia!.component.getFirstPropertyValue("status")).toBe("TENTATIVE");
    expect(response.body).not.toContain(booked.Carl!.icalUid);
    expect(response.body).not.toContain("secret-dentist");
    expect(response.body).toContain("X-WR-CALNAME:Dana Expert");
    expect(response.body).toContain("BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin");
  });

  it("adds busy time as opaque Busy blocks with stable UIDs when includeBusy is set", async () => {
    const feed = await createFeed({ includeBusy: true });
    expect(feed.includeBusy).toBe(true);
    const first = await app.inject({ url: pathOf(feed.url) });
    const busy = eventsOf(first.body).filter((event) => event.summary === "Busy");
    expect(busy).toHaveLength(1); // "free" is not busy time, and the booking's copy is the booking
    expect(busy[0]!.startDate.toJSDate().toISOString()).toBe("2030-03-05T13:00:00.000Z");
    expect(busy[0]!.endDate.toJSDate().toISOString()).toBe("2030-03-05T14:00:00.000Z");
    expect(busy[0]!.description).toBeNull();
    expect(busy[0]!.location).toBeNull();
    expect(busy[0]!.uid).toMatch(/^busy-[0-9a-f]{32}@calbridge$/);
    expect(first.body).not.toContain("secret-dentist");
    expect(first.body).not.toContain("Private calendar");
    const again = await app.inject({ url: pathOf(feed.url) });
    expect(again.body).toBe(first.body);
  });

  itWithPythonIcalendar("writes feeds that an independent parser (python-icalendar) reads", async () => {
    const plain = await app.inject({ url: pathOf((await createFeed()).url) });
    expect(readWithPython(plain.body)).toEqual([
      "PUBLISH",
      `${booked.Ina!.icalUid} 1 CONFIRMED Intro call: Ina ${monday}T09:30:00+01:00 ${monday}T10:00:00+01:00`,
      `${booked.Pia!.icalUid} 0 TENTATIVE Intro call: Pia ${monday}T10:00:00+01:00 ${monday}T10:30:00+01:00`,
    ]);
    const withBusy = await app.inject({ url: pathOf((await createFeed({ includeBusy: true })).url) });
    expect(readWithPython(withBusy.body)).toContainEqual(
      expect.stringMatching(
        /^busy-[0-9a-f]{32}@calbridge 0 CONFIRMED Busy 2030-03-05T14:00:00\+01:00 2030-03-05T15:00:00\+01:00$/,
      ),
    );
  });

  it("answers If-None-Match with 304 while the feed is unchanged, and changes the ETag on a change", async () => {
    const feed = await createFeed();
    const first = await app.inject({ url: pathOf(feed.url) });
    const etag = first.headers.etag as string;
    const notModified = await app.inject({ url: pathOf(feed.url), headers: { "if-none-match": etag } });
    expect(notModified.statusCode).toBe(304);
    expect(notModified.body).toBe("");
    expect(notModified.headers.etag).toBe(etag);
    const listed = await app.inject({
      url: pathOf(feed.url),
      headers: { "if-none-match": `"other", W/${etag}` },
    });
    expect(listed.statusCode).toBe(304);
    const stale = await app.inject({ url: pathOf(feed.url), headers: { "if-none-match": '"other"' } });
    expect(stale.statusCode).toBe(200);

    const confirmed = await app.inject({
      method: "POST",
      url: `/v1/bookings/${booked.Pia!.id}/confirm`,
      headers: auth,
      payload: {},
    });
    expect(confirmed.statusCode).toBe(200);
    const changed = await app.inject({ url: pathOf(feed.url), headers: { "if-none-match": etag } });
    expect(changed.statusCode).toBe(200);
    expect(changed.headers.etag).not.toBe(etag);
    expect(changed.body).toContain("STATUS:CONFIRMED");
    expect(changed.body).not.toContain("STATUS:TENTATIVE");
  });

  it("answers 404 alike for unknown and revoked tokens", async () => {
    const feed = await createFeed();
    expect((await app.inject({ url: pathOf(feed.url) })).statusCode).toBe(200);
    const revoked = await app.inject({ method: "DELETE", url: `${feedsUrl()}/${feed.id}`, headers: auth });
    expect(revoked.statusCode).toBe(204);
    const gone = await app.inject({ url: pathOf(feed.url) });
    const unknown = await app.inject({ url: `/v1/feeds/${"A".repeat(43)}.ics` });
    expect(gone.statusCode).toBe(404);
    expect(unknown.statusCode).toBe(404);
    expect(gone.body).toBe(unknown.body);
    const listed = await app.inject({ url: feedsUrl(), headers: auth });
    expect(listed.json().data.map((row: { id: string }) => row.id)).not.toContain(feed.id);
    const twice = await app.inject({ method: "DELETE", url: `${feedsUrl()}/${feed.id}`, headers: auth });
    expect(twice.statusCode).toBe(404);
  });

  it("rotates a token: the old URL stops, the new one works with the same settings", async () => {
    const feed = await createFeed({ includeBusy: true });
    const rotated = await app.inject({
      method: "POST",
      url: `${feedsUrl()}/${feed.id}/rotate`,
      headers: auth,
    });
    expect(rotated.statusCode).toBe(201);
    const next = rotated.json();
    expect(next.id).not.toBe(feed.id);
    expect(next.url).not.toBe(feed.url);
    expect(next.includeBusy).toBe(true);
    expect((await app.inject({ url: pathOf(feed.url) })).statusCode).toBe(404);
    const fresh = await app.inject({ url: pathOf(next.url) });
    expect(fresh.statusCode).toBe(200);
    expect(fresh.body).toContain("SUMMARY:Busy");
    const rotateOld = await app.inject({
      method: "POST",
      url: `${feedsUrl()}/${feed.id}/rotate`,
      headers: auth,
    });
    expect(rotateOld.statusCode).toBe(404);
  });

  it("keeps another tenant's key away from the feeds", async () => {
    const feed = await createFeed();
    const list = await app.inject({ url: feedsUrl(), headers: other });
    expect(list.statusCode).toBe(404);
    const create = await app.inject({ method: "POST", url: feedsUrl(), headers: other, payload: {} });
    expect(create.statusCode).toBe(404);
    const revoke = await app.inject({ method: "DELETE", url: `${feedsUrl()}/${feed.id}`, headers: other });
    expect(revoke.statusCode).toBe(404);
    const rotate = await app.inject({
      method: "POST",
      url: `${feedsUrl()}/${feed.id}/rotate`,
      headers: other,
    });
    expect(rotate.statusCode).toBe(404);
    expect((await app.inject({ url: pathOf(feed.url) })).statusCode).toBe(200);
    const noKey = await app.inject({ url: feedsUrl() });
    expect(noKey.statusCode).toBe(401);
  });
});
