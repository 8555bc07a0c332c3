import type { FastifyInstance } from "fastify";
import ICAL from "ical.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildBookingTestApp } from "../../../test/support/booking-test-app.ts";
import { backends, openTestStore } from "../../../test/support/test-stores.ts";
import { insertBooking } from "../../store/bookings-repository.ts";
import type { Store } from "../../store/database.ts";
import { insertEventType } from "../../store/event-types-repository.ts";
import { createHostFeed, type HostFeedRow } from "../../store/host-feeds-repository.ts";
import { type HostRow, insertHost } from "../../store/hosts-repository.ts";
import { newId } from "../../store/ids.ts";
import { createTenant } from "../../store/tenants-repository.ts";
import { renderHostFeed } from "./feed-download.ts";

const organizerFallback = { email: "calbridge@calbridge.test" };

function uidsOf(ics: string): string[] {
  const calendar = new ICAL.Component(ICAL.parse(ics));
  return calendar.getAllSubcomponents("vevent").map((vevent) => String(vevent.getFirstPropertyValue("uid")));
}

describe.each(backends)("feed download on %s", (backend) => {
  let store: Store;
  let dispose: () => Promise<void>;
  let host: HostRow;
  let feed: HostFeedRow;
  let token: string;

  beforeAll(async () => {
    ({ store, dispose } = await openTestStore(backend));
    const tenant = await createTenant(store.db, { name: "Window Co" });
    // No e-mail: the organizer falls back to the service's address.
    host = await insertHost(store.db, tenant.id, { name: "Noor", timeZone: "Asia/Tokyo" });
    const eventType = await insertEventType(store.db, tenant.id, {
      slug: "chat",
      title: "Chat",
      durations: [60],
      mode: "single",
      hostIds: [host.id],
      rules: { bufferBeforeMinutes: 0, bufferAfterMinutes: 0, minimumNoticeMinutes: 0 },
      questions: [],
      requiresConfirmation: false,
    });
    // Bookings written straight to the store: the booking rules would refuse the past ones.
    for (const [uid, start, status] of [
      ["past@test", "2030-01-01T00:00:00Z", "confirmed"],
      ["future@test", "2031-01-10T00:00:00Z", "confirmed"],
      ["rejected@test", "2030-06-01T00:00:00Z", "rejected"],
    ] as const) {
      const startAt = new Date(start);
      await insertBooking(store.db, {
        id: newId(),
        tenantId: tenant.id,
        eventTypeId: eventType.id,
        status,
        startAt,
        endAt: new Date(startAt.getTime() + 3_600_000),
        bufferBeforeMinutes: 0,
        bufferAfterMinutes: 0,
        inviteeTimeZone: "UTC",
        attendeeName: "Ola",
        attendeeEmail: "ola@example.com",
        answers: {},
        location: null,
        icalUid: uid,
        idempotencyKey: null,
        requestHash: null,
        hostIds: [host.id],
      });
    }
    ({ feed, token } = await createHostFeed(store.db, {
      tenantId: tenant.id,
      hostId: host.id,
      includeBusy: false,
      now: new Date("2030-01-01T00:00:00Z"),
    }));
  });
  afterAll(async () => dispose());

  it.each([
    ["2029-12-15T00:00:00Z", ["past@test"]], // January 2031 is more than a year ahead
    ["2030-03-01T00:00:00Z", ["past@test", "future@test"]],
    ["2030-04-05T00:00:00Z", ["future@test"]], // January is more than 90 days back
  ])("at %s publishes the bookings from 90 days back to a year ahead", async (now, uids) => {
    const ics = await renderHostFeed({ db: store.db, organizerFallback }, { feed, host, now: new Date(now) });
    expect(uidsOf(ics)).toEqual(uids);
    expect(ics).toContain("ORGANIZER:mailto:calbridge@calbridge.test");
    expect(ics).toContain("X-WR-TIMEZONE:Asia/Tokyo");
  });

  it("gives the same body for the same data, whatever the request time", async () => {
    const render = (now: string) =>
      renderHostFeed({ db: store.db, organizerFallback }, { feed, host, now: new Date(now) });
    expect(await render("2030-03-01T00:00:00Z")).toBe(await render("2030-03-02T08:15:00Z"));
  });

  describe("over HTTP", () => {
    let app: FastifyInstance;
    beforeAll(async () => {
      ({ app } = await buildBookingTestApp(store, { rateLimitPerMinute: 2 }));
    });
    afterAll(async () => app.close());

    it("rate-limits feed requests per client", async () => {
      const url = `/v1/feeds/${token}.ics`;
      expect((await app.inject({ url })).statusCode).toBe(200);
      expect((await app.inject({ url: `/v1/feeds/${"x".repeat(43)}.ics` })).statusCode).toBe(404);
      const limited = await app.inject({ url });
      expect(limited.statusCode).toBe(429);
      expect(limited.json().error.code).toBe("rate_limited");
    });
  });
});
