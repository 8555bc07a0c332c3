import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Store } from "../src/store/database.ts";
import { newId } from "../src/store/ids.ts";
import { busyIntervals, calendarConnections, calendarSyncStates } from "../src/store/schema.ts";
import { attendee } from "./support/booking-depth-setup.ts";
import { buildBookingTestApp } from "./support/booking-test-app.ts";
import { createTestTenant } from "./support/test-app.ts";
import { backends, openTestStore } from "./support/test-stores.ts";

const NOW = new Date("2030-02-28T12:00:00Z");
const weekdays = Object.fromEntries(
  ["mon", "tue", "wed", "thu", "fri"].map((day) => [day, [["09:00", "17:00"]]]),
);

/**
 * The troubleshooter (GET /v1/event-types/{id}/explain and per host): every reason code it can give is reached here
 * through the real stack, and busy time names its calendar, never the event.
 */
describe.each(backends)("the troubleshooter on %s", (backend) => {
  let store: Store;
  let dispose: () => Promise<void>;
  let app: FastifyInstance;
  let tenant: Awaited<ReturnType<typeof createTestTenant>>;
  const ids: Record<string, string> = {};

  const post = async (url: string, payload: unknown) => {
    const answer = await app.inject({
      method: "POST",
      url,
      headers: tenant.auth,
      payload: payload as object,
    });
    expect(answer.statusCode, answer.body).toBe(201);
    return answer.json();
  };
  const explain = async (eventType: string, start: string, hostId?: string) => {
    const path = hostId ? `hosts/${hostId}/explain` : "explain";
    const answer = await app.inject({
      method: "GET",
      url: `/v1/event-types/${ids[eventType]}/${path}?start=${start}`,
      headers: tenant.auth,
    });
    expect(answer.statusCode, answer.body).toBe(200);
    return answer.json() as {
      offered: boolean;
      hosts: Array<{
        hostId: string;
        available: boolean;
        reasons: Array<{ code: string; message: string; calendar?: unknown }>;
      }>;
    };
  };
  const codes = async (eventType: string, start: string) =>
    (await explain(eventType, start)).hosts.flatMap((host) => host.reasons.map((reason) => reason.code));

  beforeAll(async () => {
    ({ store, dispose } = await openTestStore(backend));
    ({ app } = await buildBookingTestApp(store, { now: () => NOW, rateLimitPerMinute: false }));
    tenant = await createTestTenant(store, "Trouble Co");
    const alice = await post("/v1/hosts", { name: "Alice", timeZone: "UTC" });
    const bob = await post("/v1/hosts", { name: "Bob", timeZone: "UTC" });
    ids.alice = alice.id;
    ids.bob = bob.id;
    await post(`/v1/hosts/${alice.id}/schedules`, {
      timeZone: "UTC",
      weekly: weekdays,
      overrides: [{ date: "2030-03-11", intervals: [] }],
      outOfOffice: [{ start: "2030-03-12T00:00:00Z", end: "2030-03-13T00:00:00Z" }],
    });
    await post(`/v1/hosts/${bob.id}/schedules`, { timeZone: "UTC", weekly: weekdays });
    // Alice's Outlook calendar "Work" is fresh and has one busy hour; Bob's calendar never synced (fail closed).
    for (const [host, syncedAt] of [
      [alice.id, NOW],
      [bob.id, null],
    ] as const) {
      const connectionId = newId();
      ids[`connection-${host}`] = connectionId;
      await store.db.insert(calendarConnections).values({
        id: connectionId,
        tenantId: tenant.tenantId,
        hostId: host,
        provider: "microsoft",
        displayName: "Outlook (alice@example.com)",
      });
      await store.db.insert(calendarSyncStates).values({
        tenantId: tenant.tenantId,
        connectionId,
        calendarRef: "work",
        name: "Work",
        lastSuccessAt: syncedAt,
      });
    }
    await store.db.insert(busyIntervals).values({
      id: newId(),
      tenantId: tenant.tenantId,
      hostId: alice.id,
      connectionId: ids[`connection-${alice.id}`]!,
      calendarRef: "work",
      startAt: new Date("2030-03-05T10:00:00Z"),
      endAt: new Date("2030-03-05T11:00:00Z"),
      status: "busy",
      sourceRef: "AAMkSecretBoardMeeting",
    });
    const rules = {
      stepMinutes: 30,
      bufferAfterMinutes: 15,
      minimumNoticeMinutes: 24 * 60,
      horizon: { type: "rolling", days: 30 },
    };
    ids.main = (
      await post("/v1/event-types", {
        slug: "main",
        title: "Main",
        durations: [60],
        hostIds: [alice.id],
        rules,
      })
    ).id;
    ids.limited = (
      await post("/v1/event-types", {
        slug: "limited",
        title: "Limited",
        durations: [60],
        hostIds: [alice.id],
        rules: { limits: { perDay: { count: 1 }, perWeek: { count: 2 } } },
      })
    ).id;
    ids.seated = (
      await post("/v1/event-types", {
        slug: "seated",
        title: "Class",
        durations: [60],
        hostIds: [alice.id],
        seats: 1,
      })
    ).id;
    ids.pair = (
      await post("/v1/event-types", {
        slug: "pair",
        title: "Pair",
        durations: [60],
        mode: "collective",
        hostIds: [alice.id, bob.id],
      })
    ).id;
  }, 60_000);
  afterAll(async () => {
    await app.close();
    await dispose();
  });

  it("says a free time is offered, with every host available", async () => {
    const answer = await explain("main", "2030-03-04T09:00:00Z");
    expect(answer.offered).toBe(true);
    expect(answer.hosts).toEqual([{ hostId: ids.alice, available: true, reasons: [] }]);
  });

  it("reaches the rule codes: notice, horizon, working hours, day off, alignment, out of office", async () => {
    expect(await codes("main", "2030-02-28T15:00:00Z")).toContain("minimum_notice");
    expect(await codes("main", "2030-04-15T09:00:00Z")).toContain("horizon");
    expect(await codes("main", "2030-03-04T20:00:00Z")).toContain("outside_working_hours");
    expect(await codes("main", "2030-03-11T10:00:00Z")).toContain("day_off");
    expect(await codes("main", "2030-03-04T09:10:00Z")).toContain("not_aligned");
    expect(await codes("main", "2030-03-12T10:00:00Z")).toContain("out_of_office");
  });

  it("names the calendar of busy time (busy, buffer), never the event", async () => {
    const busy = await explain("main", "2030-03-05T10:00:00Z");
    expect(busy.offered).toBe(false);
    const reason = busy.hosts[0]!.reasons.find((entry) => entry.code === "busy")!;
    expect(reason.message).toContain('calendar "Work" of Outlook (alice@example.com)');
    expect(reason.message).not.toContain("AAMkSecretBoardMeeting");
    expect(reason.calendar).toEqual({
      connectionId: ids[`connection-${ids.alice}`],
      connection: "Outlook (alice@example.com)",
      calendar: "Work",
    });
    const buffer = await explain("main", "2030-03-05T09:00:00Z");
    const bufferReason = buffer.hosts[0]!.reasons.find((entry) => entry.code === "buffer")!;
    expect(bufferReason.message).toContain('calendar "Work"');
    expect(JSON.stringify(buffer)).not.toContain("AAMkSecretBoardMeeting");
  });

  it("reaches booking, held, full, daily and weekly limits", async () => {
    const book = (slug: string, start: string, index: number) =>
      app.inject({
        method: "POST",
        url: `/v1/public/${tenant.slug}/${slug}/bookings`,
        payload: { start, ...attendee(index) },
      });
    expect((await book("main", "2030-03-06T10:00:00Z", 1)).statusCode).toBe(201);
    expect(await codes("main", "2030-03-06T10:30:00Z")).toContain("booking");
    const held = await app.inject({
      method: "POST",
      url: `/v1/public/${tenant.slug}/main/holds`,
      payload: { start: "2030-03-07T10:00:00Z" },
    });
    expect(held.statusCode).toBe(201);
    expect(await codes("main", "2030-03-07T10:00:00Z")).toContain("held");
    expect((await book("seated", "2030-03-08T10:00:00Z", 2)).statusCode).toBe(201);
    expect(await codes("seated", "2030-03-08T10:00:00Z")).toEqual(["full"]);
    expect((await book("limited", "2030-03-18T09:00:00Z", 3)).statusCode).toBe(201);
    expect(await codes("limited", "2030-03-18T13:00:00Z")).toContain("daily_limit");
    expect((await book("limited", "2030-03-19T09:00:00Z", 4)).statusCode).toBe(201);
    expect(await codes("limited", "2030-03-20T09:00:00Z")).toContain("weekly_limit");
  });

  it("reaches a stale calendar, per host too: one host's answer for a collective event type", async () => {
    const both = await explain("pair", "2030-03-04T09:00:00Z");
    expect(both.offered).toBe(false);
    expect(both.hosts.map((host) => [host.hostId, host.available])).toEqual([
      [ids.alice, true],
      [ids.bob, false],
    ]);
    const bob = await explain("pair", "2030-03-04T09:00:00Z", ids.bob);
    expect(bob.hosts).toHaveLength(1);
    expect(bob.hosts[0]!.reasons.map((reason) => reason.code)).toEqual(["calendar_unavailable"]);
    expect(bob.hosts[0]!.reasons[0]!.message).toMatch(/has not synced yet/);
  });

  it("answers bad questions with 400 or 404", async () => {
    const noStart = await app.inject({
      method: "GET",
      url: `/v1/event-types/${ids.main}/explain`,
      headers: tenant.auth,
    });
    expect(noStart.statusCode).toBe(400);
    const badDuration = await app.inject({
      method: "GET",
      url: `/v1/event-types/${ids.main}/explain?start=2030-03-04T09:00:00Z&duration=45`,
      headers: tenant.auth,
    });
    expect(badDuration.statusCode).toBe(400);
    const stranger = await app.inject({
      method: "GET",
      url: `/v1/event-types/${ids.main}/hosts/${ids.bob}/explain?start=2030-03-04T09:00:00Z`,
      headers: tenant.auth,
    });
    expect(stranger.statusCode).toBe(404);
  });
});
