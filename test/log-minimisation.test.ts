import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { captureLog } from "./support/captured-log.ts";
import {
  type MicrosoftTestService,
  startMicrosoftTestService,
  waitFor,
} from "./support/microsoft-service.ts";
import { backends } from "./support/test-stores.ts";

/**
 * Logs carry ids, never names, e-mail addresses or titles: a full run (host, event type, Microsoft calendar
 * connected through the sandbox, booking by an attendee, written into Outlook, rescheduled and cancelled through the
 * attendee's links) is logged at debug level, and the lines are searched for the people's names and addresses.
 */
describe.each(backends)("log minimisation on %s", (backend) => {
  let ms: MicrosoftTestService;
  const log = captureLog("debug");
  const attendee = { name: "Quentin Attendeeson", email: "quentin.attendeeson@attendee.example" };
  const host = { name: "Adele Hostperson", email: "adele@contoso.com" };
  const title = "Confidential Strategy Review";

  beforeAll(async () => {
    ms = await startMicrosoftTestService({ backend, logger: log.logger });
  }, 120_000);
  afterAll(async () => {
    await ms?.stop();
  });

  it("logs a whole booking's life without the attendee's or the host's name, address or the title", async () => {
    const hostId = (await ms.api("POST", "/v1/hosts", { ...host, timeZone: "America/Los_Angeles" })).body.id;
    const weekday = [["09:00", "17:00"]];
    await ms.api("POST", `/v1/hosts/${hostId}/schedules`, {
      timeZone: "America/Los_Angeles",
      weekly: { mon: weekday, tue: weekday, wed: weekday, thu: weekday, fri: weekday },
    });
    const eventType = await ms.api("POST", "/v1/event-types", {
      slug: "review",
      title,
      durations: [60],
      hostIds: [hostId],
      rules: { stepMinutes: 30, horizon: { type: "rolling", days: 120 } },
    });
    expect(eventType.status).toBe(201);
    const connectionId = await ms.connect(hostId, "Adele");
    const booked = await ms.api("POST", `/v1/public/${ms.slug}/review/bookings`, {
      start: "2030-02-06T18:00:00Z",
      timeZone: "Europe/Lisbon",
      ...attendee,
    });
    expect(booked.status, JSON.stringify(booked.body)).toBe(201);
    const bookingId: string = booked.body.id;
    const link = (url: string) => url.replace(/^https?:\/\/[^/]+/, ms.base);
    const written = (operation: string) =>
      waitFor(`the ${operation}`, async () => {
        const current = (await ms.api("GET", `/v1/bookings/${bookingId}`)).body;
        const sync = current.calendarSync as Array<{ state: string; operation: string }>;
        return sync.length > 0 && sync.every((s) => s.state === "written" && s.operation === operation)
          ? current
          : undefined;
      });
    await written("create");
    const moved = await fetch(link(booked.body.links.reschedule), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ start: "2030-02-07T18:00:00Z" }),
    });
    expect(moved.status).toBe(200);
    await written("update");
    await ms.syncNow(hostId, connectionId);
    const cancelled = await fetch(link(booked.body.links.cancel), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ reason: "Quentin cannot make it" }),
    });
    expect(cancelled.status).toBe(200);
    await written("cancel");
    await ms.syncNow(hostId, connectionId);

    // The run was logged (requests, jobs, syncs, writes), and none of it names anyone.
    const text = log.lines.join("\n");
    expect(log.lines.length).toBeGreaterThan(20);
    expect(text).toContain(bookingId);
    for (const needle of [
      attendee.email,
      "Quentin",
      "Attendeeson",
      host.email,
      "Hostperson",
      "Confidential Strategy",
      "cannot make it",
    ])
      expect(text.toLowerCase(), needle).not.toContain(needle.toLowerCase());
  }, 120_000);

  it("keeps in the busy cache only what availability needs: times, status and provider ids", async () => {
    const { rows } = await ms.service.store.executeSql(
      "select column_name from information_schema.columns where table_name = 'busy_intervals' order by column_name",
      [],
    );
    // A new column here is a new kind of calendar data held about hosts: it must be needed for availability (or
    // stored only while a feature that needs it is on) and be covered by export and erasure.
    expect(rows.map((row) => row.column_name)).toEqual([
      "all_day_end",
      "all_day_start",
      "booking_id",
      "calendar_ref",
      "connection_id",
      "end_at",
      "etag",
      // The listing a row belongs to (migration 0019): which rows are served, not data about the host.
      "generation",
      "host_id",
      "id",
      // The room's address for a room's busy time (an event type with rooms): needed for the room's availability.
      "resource",
      "series_ref",
      "source_ref",
      "staged",
      "start_at",
      "status",
      "tenant_id",
    ]);
  });
});
