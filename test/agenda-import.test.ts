import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type MicrosoftTestService,
  startMicrosoftTestService,
  waitFor,
} from "./support/microsoft-service.ts";
import { backends } from "./support/test-stores.ts";

/**
 * Agenda import over real HTTP against the Microsoft sandbox, on PGlite and PostgreSQL: with the import switch off
 * the host's calendar events are free/busy blocks only and no details are stored; switching it on fills the details
 * (title, location, zone, organizer, online meeting, ours); switching it off removes them at once; "sync now" reports
 * its progress on the connection until it finishes; bad ranges are 400s.
 */
type Json = ReturnType<typeof JSON.parse>;

const JANUARY = "from=2030-01-01T00:00:00Z&to=2030-02-01T00:00:00Z";

describe.each(backends)("agenda import on %s", (backend) => {
  let ms: MicrosoftTestService;
  let adele: string;
  let connection: string;
  let managedId: string;

  const agenda = async (query = JANUARY): Promise<Json[]> => {
    const answer = await ms.api("GET", `/v1/hosts/${adele}/calendar-events?${query}&limit=500`);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return answer.body.data;
  };
  const storedDetails = async (): Promise<number> =>
    (
      (
        await ms.service.store.executeSql(
          "select count(*)::int as n from calendar_event_details where connection_id = $1",
          [connection],
        )
      ).rows[0] as { n: number }
    ).n;
  const connectionNow = async () =>
    (await ms.api("GET", `/v1/hosts/${adele}/connections/${connection}`)).body;

  beforeAll(async () => {
    ms = await startMicrosoftTestService({ backend });
    adele = (await ms.api("POST", "/v1/hosts", { name: "Adele", timeZone: "America/Los_Angeles" })).body.id;
    connection = await ms.connect(adele, "Adele");
    const created = await ms.api("POST", `/v1/hosts/${adele}/events`, {
      externalId: "agenda-1",
      title: "Training",
      timeZone: "Europe/Berlin",
      start: "2030-01-22T18:00:00Z",
      end: "2030-01-22T19:00:00Z",
      location: { kind: "address", value: "Room 4" },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    managedId = created.body.id;
    await waitFor("the managed event's write", async () => {
      const sync = (await ms.api("GET", `/v1/events/${managedId}`)).body.calendarSync as Json[];
      return sync.length > 0 && sync.every((s) => s.state === "written") ? sync : undefined;
    });
    await ms.syncNow(adele, connection);
  }, 120_000);

  afterAll(async () => {
    await ms?.stop();
  });

  it("lists free/busy blocks only while import is off, stores no details, and pages by cursor", async () => {
    expect((await connectionNow()).switches.import).toBe(false);
    const events = await agenda();
    expect(events.length).toBeGreaterThan(3);
    expect(events.every((event) => event.details === null)).toBe(true);
    expect(events.every((event) => event.connectionId === connection && event.calendar.ref)).toBe(true);
    // Free events are not kept without import (only our own copies would be).
    expect(events.some((event) => event.status === "free")).toBe(false);
    expect(await storedDetails()).toBe(0);

    const first = await ms.api("GET", `/v1/hosts/${adele}/calendar-events?${JANUARY}&limit=2`);
    expect(first.body.data).toHaveLength(2);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await ms.api(
      "GET",
      `/v1/hosts/${adele}/calendar-events?${JANUARY}&limit=2&cursor=${first.body.nextCursor}`,
    );
    expect(second.status).toBe(200);
    const ids = [...first.body.data, ...second.body.data].map((event: Json) => event.id);
    expect(new Set(ids).size).toBe(4);
    expect(ids).toEqual(events.slice(0, 4).map((event) => event.id));
  }, 60_000);

  it("fills the details once import is switched on (a full sync)", async () => {
    const patched = await ms.api("PATCH", `/v1/hosts/${adele}/connections/${connection}`, { import: true });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body.switches.import).toBe(true);
    const events = await waitFor("the imported details", async () => {
      const listed = await agenda();
      return listed.some((event) => event.details?.title === "Team sync") &&
        listed.some((event) => event.details?.ours === "managed_event")
        ? listed
        : undefined;
    });
    const teamSync = events.find((event) => event.details?.title === "Team sync");
    expect(teamSync.details).toMatchObject({
      timeZone: "America/Los_Angeles",
      organizer: "adele@contoso.com",
      showAs: "busy",
      ours: null,
    });
    expect(teamSync.details.onlineMeetingUrl).toMatch(/^https:\/\/teams\.microsoft\.com\//);
    expect(teamSync.details.attendeeCount).toBeGreaterThan(0);
    expect(events.find((event) => event.details?.title === "Design review")?.details.location).toBe(
      "Conf Room Adams",
    );
    const offsite = events.find((event) => event.details?.title === "Company offsite");
    expect(offsite).toMatchObject({
      allDay: { startDate: "2030-01-15", endDate: "2030-01-16" },
      start: "2030-01-15T08:00:00.000Z",
      status: "out_of_office",
      details: { timeZone: null, showAs: "out_of_office", location: "Lake Chelan Lodge" },
    });
    // Free events are listed with import on (they never block: availability skips "free").
    expect(events.find((event) => event.details?.title === "Focus time")).toMatchObject({
      status: "free",
      details: { showAs: "free" },
    });
    const ours = events.find((event) => event.details?.ours === "managed_event");
    expect(ours).toMatchObject({
      start: "2030-01-22T18:00:00.000Z",
      end: "2030-01-22T19:00:00.000Z",
      details: { title: "Training", location: "Room 4" },
    });
    expect(await storedDetails()).toBeGreaterThan(3);
    // The sync that filled them (a full listing) ends finished, having counted the events it read.
    const progress = await waitFor("the import's sync to finish", async () => {
      const current = (await connectionNow()).syncProgress;
      return current?.state === "finished" ? current : undefined;
    });
    expect(progress.eventsSeen).toBeGreaterThan(0);
    const audit = await ms.service.store.executeSql(
      "select count(*)::int as n from audit_log where action = 'agenda.read' and host_id = $1",
      [adele],
    );
    expect((audit.rows[0] as { n: number }).n).toBeGreaterThan(0);
  }, 60_000);

  it("answers sync now with its progress, which the connection reports until it finishes", async () => {
    // An expired delta token makes the sync list every event again: it has events to count.
    expect((await ms.admin("sync-tokens/expire", { account: "adele@contoso.com" })).status).toBe(200);
    const before = Date.now();
    const asked = await ms.api("POST", `/v1/connections/${connection}/sync`);
    expect(asked.status, JSON.stringify(asked.body)).toBe(202);
    expect(asked.body.progress).toMatchObject({
      state: expect.stringMatching(/^(queued|running|finished)$/),
      calendarsDone: expect.any(Number),
      calendarsTotal: expect.any(Number),
      eventsSeen: expect.any(Number),
      startedAt: expect.any(String),
    });
    const done = await waitFor("the sync's end", async () => {
      const progress = (await connectionNow()).syncProgress;
      return progress?.state === "finished" && progress.eventsSeen > 0 ? progress : undefined;
    });
    expect(done.calendarsTotal).toBeGreaterThan(0);
    expect(done.calendarsDone).toBe(done.calendarsTotal);
    expect(Date.parse(done.finishedAt)).toBeGreaterThanOrEqual(Date.parse(done.startedAt));
    expect(Date.now()).toBeGreaterThanOrEqual(before);
    // The details are still there after the relisting (written under the new generation).
    expect((await agenda()).some((event) => event.details?.title === "Team sync")).toBe(true);
    expect((await ms.api("POST", "/v1/connections/00000000-0000-4000-8000-000000000000/sync")).status).toBe(
      404,
    );
  }, 60_000);

  it("removes the details as import is switched off, in the same request", async () => {
    expect(await storedDetails()).toBeGreaterThan(0);
    const patched = await ms.api("PATCH", `/v1/hosts/${adele}/connections/${connection}`, { import: false });
    expect(patched.status).toBe(200);
    expect(await storedDetails()).toBe(0);
    const events = await agenda();
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((event) => event.details === null)).toBe(true);
    // A sync with import off stores none either.
    await ms.syncNow(adele, connection);
    expect(await storedDetails()).toBe(0);
  }, 60_000);

  it("refuses a missing, reversed, too long or malformed range with a 400 and an unknown host with a 404", async () => {
    const get = (query: string) => ms.api("GET", `/v1/hosts/${adele}/calendar-events?${query}`);
    for (const query of [
      "",
      "from=2030-01-01T00:00:00Z",
      "from=2030-01-10T00:00:00Z&to=2030-01-01T00:00:00Z",
      "from=2030-01-01T00:00:00Z&to=2030-04-01T00:00:00Z",
      "from=yesterday&to=2030-01-02T00:00:00Z",
      `${JANUARY}&cursor=not-a-cursor`,
      `${JANUARY}&limit=0`,
    ]) {
      const answer = await get(query);
      expect(answer.status, query).toBe(400);
      expect(answer.body.error.message, query).toEqual(expect.any(String));
    }
    const unknown = await ms.api(
      "GET",
      `/v1/hosts/00000000-0000-4000-8000-000000000000/calendar-events?${JANUARY}`,
    );
    expect(unknown.status).toBe(404);
  }, 30_000);
});
