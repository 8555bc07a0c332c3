import { Temporal } from "temporal-polyfill";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CalDavTestService, startCalDavTestService } from "./support/caldav-service.ts";
import { waitFor } from "./support/microsoft-harness.ts";
import { type RadicaleServer, radicaleAvailable, startRadicale } from "./support/radicale-harness.ts";
import { backends } from "./support/test-stores.ts";

/**
 * Managed events on a real Radicale over HTTP: a weekly series is one calendar object (one VEVENT with RRULE and
 * EXDATE, and a RECURRENCE-ID override for a moved occurrence in the same resource), the server expands it to the
 * occurrences we mean (read back through the sync: the right slots are taken), and a cancel deletes the object.
 */
const USER = "ana";
const PASSWORD = "app-specific-1";
type Json = ReturnType<typeof JSON.parse>;

/** A Wednesday about two weeks ahead (UTC): the series lies inside the sync window. */
function wednesdayAhead(offsetDays: number): string {
  const at = new Date(Date.now() + offsetDays * 86_400_000);
  while (at.getUTCDay() !== 3) at.setUTCDate(at.getUTCDate() + 1);
  return at.toISOString().slice(0, 10);
}
const plusDays = (date: string, days: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

describe.runIf(radicaleAvailable).each(backends)("managed events on CalDAV (Radicale) on %s", (backend) => {
  let radicale: RadicaleServer;
  let svc: CalDavTestService;
  let hostId: string;
  let connectionId: string;
  const calendar = `/${USER}/work/`;
  const first = wednesdayAhead(14);

  const settled = (id: string, operation: string) =>
    waitFor(`the ${operation} of ${id}`, async () => {
      const current = (await svc.api("GET", `/v1/events/${id}`)).body;
      const sync = current.calendarSync as Array<{ state: string; operation: string }>;
      return sync.length > 0 && sync.every((s) => s.state === "written" && s.operation === operation)
        ? current
        : undefined;
    });
  const ourObjects = async () =>
    (await radicale.list(USER, calendar)).filter((href) => href.includes("calbridge-me-"));
  const busyOf = async (eventId: string) =>
    (
      await svc.service.store.executeSql(
        "select start_at, end_at from busy_intervals where connection_id = $1 and source_ref like $2 order by start_at",
        [connectionId, `%calbridge-me-${eventId}-%`],
      )
    ).rows.map((row) => new Date((row as { start_at: string }).start_at).toISOString());

  beforeAll(async () => {
    radicale = await startRadicale({ [USER]: PASSWORD });
    await radicale.makeCalendar(USER, "work", { displayName: "Work" });
    svc = await startCalDavTestService({ backend });
    hostId = (await svc.api("POST", "/v1/hosts", { name: "Ana", timeZone: "Europe/Berlin" })).body.id;
    const created = await svc.api("POST", `/v1/hosts/${hostId}/connections`, {
      provider: "caldav",
      serverUrl: radicale.url,
      username: USER,
      password: PASSWORD,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    connectionId = created.body.id;
    await waitFor("the first sync", async () => {
      const current = (await svc.api("GET", `/v1/hosts/${hostId}/connections/${connectionId}`)).body;
      return current.status === "connected" && current.calendars.every((c: Json) => c.lastSuccessAt)
        ? current
        : undefined;
    });
    await svc.api("PATCH", `/v1/hosts/${hostId}/connections/${connectionId}/calendars`, {
      calendars: [{ ref: `${radicale.url}${calendar}`, receivesEvents: true }],
    });
  }, 120_000);

  afterAll(async () => {
    await svc?.stop();
    await radicale?.stop();
  });

  it("writes a weekly series as one object with RRULE, EXDATE and a RECURRENCE-ID override; cancel deletes it", async () => {
    // Wall time in Berlin (winter or summer time: the occurrences keep their wall time).
    const at = (date: string, time: string) =>
      new Date(
        Temporal.PlainDateTime.from(`${date}T${time}`).toZonedDateTime("Europe/Berlin").epochMilliseconds,
      ).toISOString();
    const weeks = [0, 7, 14, 21].map((d) => plusDays(first, d));
    const made = await svc.api("POST", `/v1/hosts/${hostId}/events`, {
      externalId: "dav-weekly",
      title: "Team training",
      start: at(weeks[0]!, "09:00"),
      end: at(weeks[0]!, "10:00"),
      timeZone: "Europe/Berlin",
      recurrence: {
        rule: "FREQ=WEEKLY;BYDAY=WE;COUNT=4",
        exdates: [at(weeks[2]!, "09:00")],
        overrides: [
          {
            originalStart: at(weeks[1]!, "09:00"),
            start: at(plusDays(weeks[1]!, 1), "13:00"),
            end: at(plusDays(weeks[1]!, 1), "14:00"),
          },
        ],
      },
    });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const id = made.body.id;
    await settled(id, "create");
    const objects = await ourObjects();
    expect(objects).toHaveLength(1);
    const object = (await radicale.get(USER, objects[0]!)).body.replace(/\r\n /g, "");
    expect(object.match(/BEGIN:VEVENT/g)).toHaveLength(2);
    expect(object).toContain("RRULE:FREQ=WEEKLY;BYDAY=WE;COUNT=4");
    expect(object).toMatch(/^EXDATE[;:]/m);
    expect(object).toMatch(/^RECURRENCE-ID[;:]/m);
    expect(object).not.toContain("METHOD:");

    // Read back through the sync: the server's expansion is the occurrences we mean, nothing more.
    await svc.syncNow(hostId, connectionId);
    expect(await busyOf(id)).toEqual([
      at(weeks[0]!, "09:00"),
      at(plusDays(weeks[1]!, 1), "13:00"),
      at(weeks[3]!, "09:00"),
    ]);
    // The read-back is our own echo: the event stays as it is, with no warning and no calendar change reported.
    const after = (await svc.api("GET", `/v1/events/${id}`)).body;
    expect(after).toMatchObject({ status: "active", calendarSync: [{ state: "written", warning: null }] });

    // One more occurrence removed through the API: the same object is rewritten.
    const edited = await svc.api("PATCH", `/v1/events/${id}`, {
      recurrence: {
        rule: "FREQ=WEEKLY;BYDAY=WE;COUNT=4",
        exdates: [at(weeks[2]!, "09:00"), at(weeks[3]!, "09:00")],
        overrides: made.body.recurrence.overrides,
      },
    });
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);
    await settled(id, "update");
    expect(await ourObjects()).toEqual(objects);
    await svc.syncNow(hostId, connectionId);
    expect(await busyOf(id)).toEqual([at(weeks[0]!, "09:00"), at(plusDays(weeks[1]!, 1), "13:00")]);

    expect((await svc.api("DELETE", `/v1/events/${id}`, { reason: "season over" })).status).toBe(200);
    await settled(id, "cancel");
    expect(await ourObjects()).toEqual([]);
  }, 90_000);
});
