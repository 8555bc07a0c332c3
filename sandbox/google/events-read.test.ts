import type { calendar_v3 } from "@googleapis/calendar";
import { beforeEach, describe, expect, it } from "vitest";
import { ALICE, BOB, CAROL, DENTIST, YOGA } from "./test-accounts.ts";
import { googleFailure } from "./test-calendar-client.ts";
import { useGoogleSandbox } from "./test-fixture.ts";
import { loginForTests } from "./test-login.ts";

const JANUARY = { timeMin: "2030-01-01T00:00:00Z", timeMax: "2030-02-01T00:00:00Z" };

const fixture = useGoogleSandbox({ accounts: [ALICE, BOB], reset: "never" });
let alice: calendar_v3.Calendar;
let bob: calendar_v3.Calendar;
beforeEach(() => {
  alice = fixture.client(ALICE);
  bob = fixture.client(BOB);
});

describe("calendarList and calendars", () => {
  it("lists the account's calendars with roles, and filters by minAccessRole", async () => {
    const { data } = await alice.calendarList.list();
    expect(data.kind).toBe("calendar#calendarList");
    const byId = new Map(data.items?.map((entry) => [entry.id, entry]));
    expect(byId.get(ALICE)).toMatchObject({ primary: true, accessRole: "owner", timeZone: "Europe/Berlin" });
    expect(byId.get("en.usa#holiday@group.v.calendar.google.com")?.accessRole).toBe("reader");
    const owned = await alice.calendarList.list({ minAccessRole: "owner" });
    expect(owned.data.items?.map((entry) => entry.id).sort()).toEqual([
      ALICE,
      "f4m1l10000000000000000000@group.calendar.google.com",
    ]);
    const calendar = await alice.calendars.get({ calendarId: "primary" });
    expect(calendar.data).toMatchObject({ id: ALICE, timeZone: "Europe/Berlin" });
  });

  it("shows Workspace rooms to Workspace users only", async () => {
    const { data } = await bob.calendarList.list();
    expect(data.items?.some((entry) => entry.id?.endsWith("@resource.calendar.google.com"))).toBe(true);
    expect(
      (
        await googleFailure(
          alice.calendars.get({ calendarId: "c_1888hudson4room00000000000@resource.calendar.google.com" }),
        )
      ).status,
    ).toBe(404);
  });
});

describe("events.list", () => {
  it("expands series with singleEvents: moved instance kept, cancelled and EXDATE instances gone", async () => {
    const { data } = await alice.events.list({
      calendarId: "primary",
      singleEvents: true,
      orderBy: "startTime",
      ...JANUARY,
    });
    const yoga = data.items?.filter((event) => event.recurringEventId === YOGA) ?? [];
    expect(yoga.map((event) => event.id)).toEqual([`${YOGA}_20300107T170000Z`, `${YOGA}_20300114T170000Z`]);
    expect(yoga[1]).toMatchObject({
      summary: "Yoga class (moved)",
      start: { dateTime: "2030-01-14T19:30:00+01:00", timeZone: "Europe/Berlin" },
      originalStartTime: { dateTime: "2030-01-14T18:00:00+01:00", timeZone: "Europe/Berlin" },
    });
    expect(new Set(yoga.map((event) => event.iCalUID))).toEqual(new Set([`${YOGA}@google.com`]));
    const starts =
      data.items?.map((event) => Date.parse(event.start?.dateTime ?? `${event.start?.date}T00:00:00Z`)) ?? [];
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
    // The declined invitation is still listed for the guest, with its own responseStatus.
    const bookClub = data.items?.find((event) => event.summary === "Book club");
    expect(bookClub?.attendees?.find((attendee) => attendee.self)?.responseStatus).toBe("declined");
  });

  it("returns masters and exceptions without singleEvents, tombstones only with showDeleted", async () => {
    const plain = await alice.events.list({ calendarId: "primary", ...JANUARY });
    const ids = plain.data.items?.map((event) => event.id) ?? [];
    expect(ids).toContain(YOGA);
    expect(ids).toContain(`${YOGA}_20300114T170000Z`);
    expect(ids).not.toContain(`${YOGA}_20300128T170000Z`);
    expect(plain.data.items?.find((event) => event.id === YOGA)?.recurrence?.[0]).toBe(
      "RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=20",
    );
    const withDeleted = await alice.events.list({ calendarId: "primary", showDeleted: true, ...JANUARY });
    const tombstone = withDeleted.data.items?.find((event) => event.id === `${YOGA}_20300128T170000Z`);
    expect(tombstone).toEqual({
      kind: "calendar#event",
      etag: expect.any(String),
      id: `${YOGA}_20300128T170000Z`,
      status: "cancelled",
      recurringEventId: YOGA,
      originalStartTime: { dateTime: "2030-01-28T18:00:00+01:00", timeZone: "Europe/Berlin" },
    });
  });

  it("treats timeMin/timeMax as exclusive bounds on end/start", async () => {
    // Dentist is 10:00-10:45 Berlin (09:00-09:45Z) on 2030-01-09.
    const touching = await alice.events.list({
      calendarId: "primary",
      singleEvents: true,
      timeMin: "2030-01-09T09:45:00Z",
      timeMax: "2030-01-09T12:00:00Z",
    });
    expect(touching.data.items?.map((event) => event.summary)).not.toContain("Dentist");
    const overlapping = await alice.events.list({
      calendarId: "primary",
      singleEvents: true,
      timeMin: "2030-01-09T09:44:00Z",
      timeMax: "2030-01-09T12:00:00Z",
    });
    expect(overlapping.data.items?.map((event) => event.summary)).toContain("Dentist");
  });

  it("pages with nextPageToken and gives nextSyncToken only on the last page", async () => {
    const seen: string[] = [];
    let pageToken: string | undefined;
    let pages = 0;
    for (;;) {
      const { data } = await alice.events.list({
        calendarId: "primary",
        maxResults: 2,
        ...(pageToken ? { pageToken } : {}),
      });
      pages += 1;
      seen.push(...(data.items?.map((event) => event.id ?? "") ?? []));
      expect(Boolean(data.nextPageToken) && Boolean(data.nextSyncToken)).toBe(false);
      if (!data.nextPageToken) {
        expect(data.nextSyncToken).toBeTruthy();
        break;
      }
      pageToken = data.nextPageToken;
    }
    expect(pages).toBeGreaterThan(2);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it("filters by q and privateExtendedProperty, and honours maxAttendees and timeZone", async () => {
    const q = await alice.events.list({ calendarId: "primary", q: "dentist" });
    expect(q.data.items?.map((event) => event.summary)).toEqual(["Dentist"]);
    const prop = await alice.events.list({
      calendarId: "primary",
      privateExtendedProperty: ["reminderSource=paper-card"],
    });
    expect(prop.data.items?.map((event) => event.id)).toEqual([DENTIST]);
    const trimmed = await alice.events.list({
      calendarId: "primary",
      q: "Book club",
      maxAttendees: 1,
      timeZone: "UTC",
    });
    expect(trimmed.data.items?.[0]).toMatchObject({
      attendeesOmitted: true,
      attendees: [{ email: ALICE, self: true }],
    });
    const dentist = await alice.events.get({
      calendarId: "primary",
      eventId: DENTIST,
      timeZone: "UTC",
    });
    expect(dentist.data.start).toEqual({ dateTime: "2030-01-09T09:00:00Z" });
  });

  it("supports partial responses (fields) and the eventTypes filter", async () => {
    const { data } = await bob.events.list({
      calendarId: "primary",
      eventTypes: ["outOfOffice"],
      fields: "items(id,start/date),nextSyncToken",
    });
    expect(Object.keys(data).sort()).toEqual(["items", "nextSyncToken"]);
    expect(data.items).toEqual([{ id: "b0b000000000000000000000003", start: { date: "2030-02-01" } }]);
    const bad = await googleFailure(bob.events.list({ calendarId: "primary", fields: "items(id" }));
    expect([bad.status, bad.reason]).toEqual([400, "invalid"]);
  });

  it("rejects bad parameter combinations the way Google does", async () => {
    const ordering = await googleFailure(alice.events.list({ calendarId: "primary", orderBy: "startTime" }));
    expect([ordering.status, ordering.reason]).toEqual([400, "invalid"]);
    const empty = await googleFailure(
      alice.events.list({
        calendarId: "primary",
        timeMin: "2030-01-02T00:00:00Z",
        timeMax: "2030-01-01T00:00:00Z",
      }),
    );
    expect([empty.status, empty.reason]).toEqual([400, "timeRangeEmpty"]);
    const unknown = await googleFailure(alice.events.list({ calendarId: "nobody@example.com" }));
    expect(unknown.body.error).toMatchObject({
      code: 404,
      message: "Not Found",
      errors: [{ domain: "global", reason: "notFound" }],
    });
  });

  it("keeps the local time of a series across DST (America/New_York, 2030-03-10)", async () => {
    const { data } = await bob.events.list({
      calendarId: "primary",
      singleEvents: true,
      timeMin: "2030-03-08T00:00:00Z",
      timeMax: "2030-03-12T00:00:00Z",
      q: "standup",
    });
    expect(data.items?.map((event) => [event.id, event.start?.dateTime])).toEqual([
      ["b0b000000000000000000000001_20300308T143000Z", "2030-03-08T09:30:00-05:00"],
      ["b0b000000000000000000000001_20300311T133000Z", "2030-03-11T09:30:00-04:00"],
    ]);
  });

  it("refuses event reads to a free/busy-only reader", async () => {
    const failure = await googleFailure(bob.events.list({ calendarId: CAROL }));
    expect([failure.status, failure.reason]).toEqual([403, "requiredAccessLevel"]);
  });
});

describe("events.get and events.instances", () => {
  it("gets generated instances by id, including all-day ones, and 404s made-up suffixes", async () => {
    const timed = await alice.events.get({ calendarId: "primary", eventId: `${YOGA}_20300204T170000Z` });
    expect(timed.data).toMatchObject({
      recurringEventId: YOGA,
      start: { dateTime: "2030-02-04T18:00:00+01:00" },
    });
    const allDay = await alice.events.get({
      calendarId: "primary",
      eventId: "a1ce00000000000000000000002_20310303",
    });
    expect(allDay.data).toMatchObject({
      start: { date: "2031-03-03" },
      end: { date: "2031-03-04" },
      originalStartTime: { date: "2031-03-03" },
    });
    expect(
      (await googleFailure(alice.events.get({ calendarId: "primary", eventId: `${YOGA}_20300205T170000Z` })))
        .status,
    ).toBe(404);
  });

  it("lists instances with exceptions applied, cancelled ones only with showDeleted", async () => {
    const { data } = await alice.events.instances({ calendarId: "primary", eventId: YOGA, ...JANUARY });
    expect(data.items?.map((event) => event.id)).toEqual([
      `${YOGA}_20300107T170000Z`,
      `${YOGA}_20300114T170000Z`,
    ]);
    const all = await alice.events.instances({
      calendarId: "primary",
      eventId: YOGA,
      showDeleted: true,
      ...JANUARY,
    });
    expect(all.data.items?.map((event) => event.status)).toEqual(["confirmed", "confirmed", "cancelled"]);
    const one = await alice.events.instances({
      calendarId: "primary",
      eventId: YOGA,
      originalStart: "2030-01-14T18:00:00+01:00",
    });
    expect(one.data.items?.map((event) => event.id)).toEqual([`${YOGA}_20300114T170000Z`]);
  });

  it("answers 304 to If-None-Match with the current etag", async () => {
    const { data } = await alice.events.get({
      calendarId: "primary",
      eventId: DENTIST,
    });
    const { accessToken } = await loginForTests({ url: fixture.url, account: ALICE });
    const response = await fetch(
      `${fixture.url}/calendar/v3/calendars/primary/events/a1ce00000000000000000000003`,
      {
        headers: { authorization: `Bearer ${accessToken}`, "if-none-match": data.etag! },
      },
    );
    expect(response.status).toBe(304);
  });
});
