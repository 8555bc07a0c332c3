import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CalDavTestService,
  createConsultHost,
  startCalDavTestService,
} from "./support/caldav-service.ts";
import { waitFor } from "./support/microsoft-harness.ts";
import { type RadicaleServer, radicaleAvailable, startRadicale } from "./support/radicale-harness.ts";
import { backends } from "./support/test-stores.ts";

/**
 * CalDAV end to end against a real Radicale over HTTP: connect (wrong password and refused addresses are 400s
 * before anything is stored), calendars listed without the task list, seeded events (a series with a moved
 * instance, an all-day event, a transparent one) remove the right slots, sync-collection picks up a change and a
 * deletion, a sync with no change writes nothing, a booking is PUT once (also when retried), reschedule and cancel
 * update and delete it, and a move or delete made on the server reschedules or cancels the booking.
 */
const USER = "ana";
const PASSWORD = "app-specific-1";

/** A Monday about two weeks ahead (UTC): the events lie inside the sync window and the booking horizon. */
function dayAhead(offsetDays: number): string {
  const at = new Date(Date.now() + offsetDays * 86_400_000);
  while (at.getUTCDay() !== 1) at.setUTCDate(at.getUTCDate() + 1);
  return at.toISOString().slice(0, 10);
}

const basic = (date: string, time: string) => `${date.replaceAll("-", "")}T${time.replaceAll(":", "")}00Z`;
const plusDays = (date: string, days: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

function vevent(lines: string[]): string {
  return ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN", ...lines, "END:VCALENDAR", ""].join("\r\n");
}

describe.runIf(radicaleAvailable).each(backends)("CalDAV (Radicale) on %s", (backend) => {
  let radicale: RadicaleServer;
  let svc: CalDavTestService;
  let hostId: string;
  let connectionId: string;
  const day = dayAhead(14);
  const calendar = `/${USER}/work/`;

  const slotsOn = async (date: string) => {
    const from = `${date}T08:00:00.000Z`;
    const to = `${date}T20:00:00.000Z`;
    const answer = await svc.api(
      "GET",
      `/v1/public/${svc.slug}/consult/slots?from=${from}&to=${to}&timeZone=UTC`,
    );
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return answer.body.slots.map((slot: { start: string }) => slot.start.slice(11, 16)) as string[];
  };
  const book = async (start: string) => {
    const answer = await svc.api("POST", `/v1/public/${svc.slug}/consult/bookings`, {
      start,
      timeZone: "UTC",
      name: "Bo Chen",
      email: "bo@example.org",
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    return answer.body.id as string;
  };
  const booking = async (id: string) => (await svc.api("GET", `/v1/bookings/${id}`)).body;
  const settled = (id: string, operation: "create" | "update" | "cancel") =>
    waitFor(`the ${operation} of ${id}`, async () => {
      const current = await booking(id);
      const sync = current.calendarSync as Array<{ state: string; operation: string }>;
      return sync.length > 0 && sync.every((s) => s.state !== "pending" && s.operation === operation)
        ? current
        : undefined;
    });
  const ourObjects = async () =>
    (await radicale.list(USER, calendar)).filter((href) => href.includes("calbridge-"));

  beforeAll(async () => {
    radicale = await startRadicale({ [USER]: PASSWORD });
    await radicale.makeCalendar(USER, "work", { displayName: "Work" });
    await radicale.makeCalendar(USER, "tasks", { components: ["VTODO"], displayName: "Tasks" });
    // A meeting at 10:00; a daily series at 13:00 whose instance on `day` moved to 15:00; an all-day event the
    // next day; a transparent (free) event at 12:00.
    await radicale.put(
      USER,
      `${calendar}meeting.ics`,
      vevent([
        "BEGIN:VEVENT",
        "UID:meeting-1",
        `DTSTAMP:${basic(day, "00:00")}`,
        `DTSTART:${basic(day, "10:00")}`,
        `DTEND:${basic(day, "11:00")}`,
        "SUMMARY:Meeting",
        "END:VEVENT",
      ]),
    );
    await radicale.put(
      USER,
      `${calendar}series.ics`,
      vevent([
        "BEGIN:VEVENT",
        "UID:series-1",
        `DTSTAMP:${basic(day, "00:00")}`,
        `DTSTART:${basic(plusDays(day, -2), "13:00")}`,
        `DTEND:${basic(plusDays(day, -2), "14:00")}`,
        "RRULE:FREQ=DAILY;COUNT=10",
        "SUMMARY:Standup",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:series-1",
        `DTSTAMP:${basic(day, "00:00")}`,
        `RECURRENCE-ID:${basic(day, "13:00")}`,
        `DTSTART:${basic(day, "15:00")}`,
        `DTEND:${basic(day, "16:00")}`,
        "SUMMARY:Standup (moved)",
        "END:VEVENT",
      ]),
    );
    await radicale.put(
      USER,
      `${calendar}holiday.ics`,
      vevent([
        "BEGIN:VEVENT",
        "UID:holiday-1",
        `DTSTAMP:${basic(day, "00:00")}`,
        `DTSTART;VALUE=DATE:${plusDays(day, 1).replaceAll("-", "")}`,
        `DTEND;VALUE=DATE:${plusDays(day, 2).replaceAll("-", "")}`,
        "SUMMARY:Holiday",
        "END:VEVENT",
      ]),
    );
    await radicale.put(
      USER,
      `${calendar}free.ics`,
      vevent([
        "BEGIN:VEVENT",
        "UID:free-1",
        `DTSTAMP:${basic(day, "00:00")}`,
        `DTSTART:${basic(day, "12:00")}`,
        `DTEND:${basic(day, "13:00")}`,
        "TRANSP:TRANSPARENT",
        "SUMMARY:Focus",
        "END:VEVENT",
      ]),
    );
    svc = await startCalDavTestService({ backend });
    hostId = await createConsultHost(svc, ["mon", "tue", "wed", "thu", "fri"]);
    // Receives nothing (port 9 is closed): the deliveries written are what is checked.
    expect((await svc.api("POST", "/v1/webhook-endpoints", { url: "http://127.0.0.1:9/hooks" })).status).toBe(
      201,
    );
  }, 120_000);

  afterAll(async () => {
    await svc?.stop();
    await radicale?.stop();
  });

  it("refuses a wrong password, an internal address and a server that is not CalDAV with a clear 400", async () => {
    const connect = (body: Record<string, unknown>) =>
      svc.api("POST", `/v1/hosts/${hostId}/connections`, { provider: "caldav", ...body });
    const wrong = await connect({ serverUrl: radicale.url, username: USER, password: "nope" });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.message).toMatch(
      /^password: the CalDAV server refused the user name and password/,
    );
    const internal = await connect({
      serverUrl: "http://169.254.169.254/",
      username: USER,
      password: PASSWORD,
    });
    expect(internal.status).toBe(400);
    expect(internal.body.error.message).toMatch(
      /^serverUrl: refused: the host is or resolves to an internal address/,
    );
    // A plain web server: every path answers a page, nothing answers PROPFIND with a principal.
    const web = createServer((_request, response) => response.end("<html>hello</html>"));
    await new Promise<void>((resolve) => web.listen(0, "127.0.0.1", resolve));
    const notCalDav = await connect({
      serverUrl: `http://127.0.0.1:${(web.address() as AddressInfo).port}/`,
      username: USER,
      password: PASSWORD,
    });
    await new Promise((resolve) => web.close(resolve));
    expect(notCalDav.status).toBe(400);
    expect(notCalDav.body.error.message).toMatch(/^serverUrl: this URL is not a CalDAV server/);
    const noUrl = await connect({ preset: "nextcloud", username: USER, password: PASSWORD });
    expect(noUrl.body.error.message).toBe("serverUrl: required for nextcloud");
    expect((await svc.api("GET", `/v1/hosts/${hostId}/connections`)).body.data).toEqual([]);
  });

  it("connects, lists the event calendars and removes the right slots", async () => {
    const created = await svc.api("POST", `/v1/hosts/${hostId}/connections`, {
      provider: "caldav",
      serverUrl: radicale.url,
      username: USER,
      password: PASSWORD,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    connectionId = created.body.id;
    const connected = await waitFor("the first sync", async () => {
      const current = (await svc.api("GET", `/v1/hosts/${hostId}/connections/${connectionId}`)).body;
      return current.status === "connected" &&
        current.calendars.every((c: { lastSuccessAt: unknown }) => c.lastSuccessAt)
        ? current
        : undefined;
    });
    expect(connected.calendars.map((c: { name: string }) => c.name)).toEqual(["Work"]);
    expect(connected.calendars[0]).toMatchObject({ primary: true, readOnly: false, blocking: true });
    expect(await slotsOn(day)).toEqual(["09:00", "11:00", "12:00", "13:00", "14:00", "16:00"]);
    expect(await slotsOn(plusDays(day, 1))).toEqual([]);
  }, 60_000);

  it("picks up a change and a deletion through sync-collection; a sync with no change writes nothing", async () => {
    await radicale.put(
      USER,
      `${calendar}meeting.ics`,
      vevent([
        "BEGIN:VEVENT",
        "UID:meeting-1",
        `DTSTAMP:${basic(day, "00:00")}`,
        `DTSTART:${basic(day, "09:00")}`,
        `DTEND:${basic(day, "10:00")}`,
        "SUMMARY:Meeting (earlier)",
        "END:VEVENT",
      ]),
    );
    expect(await radicale.remove(USER, `${calendar}holiday.ics`)).toBe(200);
    await svc.syncNow(hostId, connectionId);
    expect(await slotsOn(day)).toEqual(["10:00", "11:00", "12:00", "13:00", "14:00", "16:00"]);
    expect(await slotsOn(plusDays(day, 1))).toContain("09:00");
    const before = await svc.service.store.executeSql(
      "select xmin::text as version, source_ref, start_at, end_at from busy_intervals where connection_id = $1 order by source_ref, start_at",
      [connectionId],
    );
    const sync = await svc.syncNow(hostId, connectionId);
    expect(sync.calendars[0].lastError).toBeNull();
    const after = await svc.service.store.executeSql(
      "select xmin::text as version, source_ref, start_at, end_at from busy_intervals where connection_id = $1 order by source_ref, start_at",
      [connectionId],
    );
    // Same row versions (xmin): nothing was deleted and inserted again.
    expect(after.rows).toEqual(before.rows);
    expect(before.rows.length).toBeGreaterThan(3);
  }, 60_000);

  it("PUTs a booking once, updates it on reschedule and deletes it on cancel", async () => {
    await svc.api("PATCH", `/v1/hosts/${hostId}/connections/${connectionId}/calendars`, {
      calendars: [{ ref: `${radicale.url}${calendar}`, receivesEvents: true }],
    });
    const id = await book(`${plusDays(day, 2)}T11:00:00Z`);
    await settled(id, "create");
    const done = await booking(id);
    expect(done.calendarSync, JSON.stringify(done.calendarSync)).toEqual([
      expect.objectContaining({ state: "written", error: null }),
    ]);
    const [href] = await ourObjects();
    expect(href).toMatch(new RegExp(`calbridge-${id}-[0-9a-f]{8}\\.ics$`));
    const object = await radicale.get(USER, href!);
    expect(object.body).toContain(`:${basic(plusDays(day, 2), "11:00").slice(0, -1)}`);
    expect(object.body).toContain("ATTENDEE");
    expect(object.body).toContain("mailto:bo@example.org");
    expect(object.body).not.toContain("METHOD:");

    const moved = await svc.api("POST", `/v1/bookings/${id}/reschedule`, {
      start: `${plusDays(day, 2)}T14:00:00Z`,
    });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    await settled(id, "update");
    expect(await ourObjects()).toEqual([href]);
    const updated = await radicale.get(USER, href!);
    expect(updated.etag).not.toBe(object.etag);
    // The echo of our own write changes nothing.
    const sequence = (await booking(id)).sequence;
    await svc.syncNow(hostId, connectionId);
    expect((await booking(id)).sequence).toBe(sequence);

    expect((await svc.api("POST", `/v1/bookings/${id}/cancel`, { reason: "ill" })).status).toBe(200);
    await settled(id, "cancel");
    expect(await ourObjects()).toEqual([]);
  }, 60_000);

  it("reschedules the booking when the event is moved on the server and cancels it when deleted there", async () => {
    const id = await book(`${plusDays(day, 7)}T11:00:00Z`);
    await settled(id, "create");
    const [href] = await ourObjects();
    const object = await radicale.get(USER, href!);
    const moved = object.body
      .replace(/^DTSTART;TZID=[^\r\n]*/m, `DTSTART:${basic(plusDays(day, 7), "15:00")}`)
      .replace(/^DTEND;TZID=[^\r\n]*/m, `DTEND:${basic(plusDays(day, 7), "16:00")}`);
    expect(moved).toContain(`DTSTART:${basic(plusDays(day, 7), "15:00")}`);
    expect((await radicale.put(USER, href!, moved)).status).toBeLessThan(300);
    const rescheduled = await waitFor("the move", async () => {
      await svc.syncNow(hostId, connectionId);
      const current = await booking(id);
      return current.start === `${plusDays(day, 7)}T15:00:00.000Z` ? current : undefined;
    });
    expect(rescheduled.end).toBe(`${plusDays(day, 7)}T16:00:00.000Z`);

    expect(await radicale.remove(USER, href!)).toBe(200);
    const cancelled = await waitFor("the cancellation", async () => {
      await svc.syncNow(hostId, connectionId);
      const current = await booking(id);
      return current.status === "cancelled" ? current : undefined;
    });
    expect(cancelled.status).toBe("cancelled");
  }, 60_000);

  it("a reschedule that meets the host's change (412) re-reads the event: the host's move or deletion wins", async () => {
    const moveOnServer = async (href: string, date: string, from: string, to: string) => {
      const object = await radicale.get(USER, href);
      const moved = object.body
        .replace(/^DTSTART;TZID=[^\r\n]*/m, `DTSTART:${basic(date, from)}`)
        .replace(/^DTEND;TZID=[^\r\n]*/m, `DTEND:${basic(date, to)}`);
      expect((await radicale.put(USER, href, moved)).status).toBeLessThan(300);
    };
    const date = plusDays(day, 8);
    const id = await book(`${date}T11:00:00Z`);
    await settled(id, "create");
    const [href] = await ourObjects();
    // The host moves the event on their phone; before any sync sees it, the booking is rescheduled through us.
    await moveOnServer(href!, date, "15:00", "16:00");
    const asked = await svc.api("POST", `/v1/bookings/${id}/reschedule`, { start: `${date}T13:00:00Z` });
    expect(asked.status, JSON.stringify(asked.body)).toBe(200);
    const moved = await waitFor("the host's version to win", async () => {
      const current = await booking(id);
      return current.start === `${date}T15:00:00.000Z` ? current : undefined;
    });
    // Not overwritten, and not a failed write: the booking follows the host's calendar.
    expect((await radicale.get(USER, href!)).body).toContain(`DTSTART:${basic(date, "15:00")}`);
    expect(moved.status).toBe("confirmed");
    const writes = (await settled(id, "update")).calendarSync;
    expect(writes).toEqual([expect.objectContaining({ state: "written", error: null })]);

    // Deleted on the server meanwhile: the If-Match update meets a 412 again, the read finds nothing, cancelled.
    const gone = await book(`${plusDays(day, 9)}T11:00:00Z`);
    await settled(gone, "create");
    const [goneHref] = (await ourObjects()).filter((candidate) => candidate.includes(gone));
    expect(await radicale.remove(USER, goneHref!)).toBe(200);
    const again = await svc.api("POST", `/v1/bookings/${gone}/reschedule`, {
      start: `${plusDays(day, 9)}T13:00:00Z`,
    });
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    const cancelled = await waitFor("the cancellation", async () => {
      const current = await booking(gone);
      return current.status === "cancelled" ? current : undefined;
    });
    expect(cancelled.status).toBe("cancelled");
  }, 90_000);

  it("agenda import: blocks without details while off, details while on, none once switched off", async () => {
    const range = `from=${day}T00:00:00.000Z&to=${plusDays(day, 1)}T00:00:00.000Z&limit=500`;
    const agenda = async () => {
      const answer = await svc.api("GET", `/v1/hosts/${hostId}/calendar-events?${range}`);
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      return answer.body.data as Array<{
        start: string;
        details: { title: string | null; showAs: string; ours: string | null } | null;
      }>;
    };
    const off = await agenda();
    expect(off.length).toBeGreaterThan(0);
    expect(off.every((event) => event.details === null)).toBe(true);
    const patched = await svc.api("PATCH", `/v1/hosts/${hostId}/connections/${connectionId}`, {
      import: true,
    });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    const on = await waitFor("the imported details", async () => {
      await svc.api("POST", `/v1/hosts/${hostId}/connections/${connectionId}/sync`);
      const listed = await agenda();
      return listed.some((event) => event.details?.title === "Focus") ? listed : undefined;
    });
    // The transparent event stays as a free row for the agenda.
    expect(on.find((event) => event.details?.title === "Focus")?.details).toMatchObject({
      showAs: "free",
      ours: null,
    });
    const switchedOff = await svc.api("PATCH", `/v1/hosts/${hostId}/connections/${connectionId}`, {
      import: false,
    });
    expect(switchedOff.status).toBe(200);
    expect((await agenda()).every((event) => event.details === null)).toBe(true);
  }, 60_000);

  it("moves to needs_reauth with one webhook when the password is revoked, and a reconnect restores it", async () => {
    const connection = () => svc.api("GET", `/v1/hosts/${hostId}/connections/${connectionId}`);
    const reauthHooks = async () =>
      (
        await svc.service.store.executeSql(
          "select count(*)::int as n from webhook_deliveries where event_type = 'connection.needs_reauth'",
          [],
        )
      ).rows[0] as { n: number };
    radicale.setPassword(USER, "new-app-password");
    await svc.api("POST", `/v1/hosts/${hostId}/connections/${connectionId}/sync`);
    const revoked = await waitFor("needs_reauth", async () => {
      const current = (await connection()).body;
      return current.status === "needs_reauth" ? current : undefined;
    });
    expect(revoked.lastError).toMatch(/refused the user name and password \(401\)/);
    await svc.api("POST", `/v1/hosts/${hostId}/connections/${connectionId}/sync`);
    expect(await reauthHooks()).toEqual({ n: 1 });
    const again = await svc.api("POST", `/v1/hosts/${hostId}/connections`, {
      provider: "caldav",
      serverUrl: radicale.url,
      username: USER,
      password: "new-app-password",
    });
    expect(again.status, JSON.stringify(again.body)).toBe(201);
    expect(again.body.id).toBe(connectionId);
    await waitFor("connected again", async () =>
      (await connection()).body.status === "connected" ? true : undefined,
    );
  }, 60_000);
});
