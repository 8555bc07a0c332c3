import type { calendar_v3 } from "@googleapis/calendar";
import { beforeEach, describe, expect, it } from "vitest";
import { ALICE, BOB, CAROL, HUDSON, YOGA } from "./test-accounts.ts";
import { googleFailure } from "./test-calendar-client.ts";
import { useGoogleSandbox } from "./test-fixture.ts";

const fixture = useGoogleSandbox({ accounts: [ALICE, BOB] });
let alice: calendar_v3.Calendar;
let bob: calendar_v3.Calendar;
beforeEach(() => {
  alice = fixture.client(ALICE);
  bob = fixture.client(BOB);
});

const meeting = (overrides: calendar_v3.Schema$Event = {}): calendar_v3.Schema$Event => ({
  summary: "Intro call",
  start: { dateTime: "2030-01-22T10:00:00+01:00" },
  end: { dateTime: "2030-01-22T10:30:00+01:00" },
  ...overrides,
});

async function outbox(): Promise<Array<{ eventId: string; method: string; to: string[] }>> {
  const response = await fetch(`${fixture.url}/_sandbox/state`);
  return ((await response.json()) as { outbox: Array<{ eventId: string; method: string; to: string[] }> })
    .outbox;
}

describe("events.insert", () => {
  it("returns 200 with a server id, etag, iCalUID, organizer and timestamps", async () => {
    const response = await alice.events.insert({ calendarId: "primary", requestBody: meeting() });
    expect(response.status).toBe(200);
    expect(response.data.id).toMatch(/^[0-9a-v]{26}$/);
    expect(response.data).toMatchObject({
      kind: "calendar#event",
      status: "confirmed",
      iCalUID: `${response.data.id}@google.com`,
      organizer: { email: ALICE, self: true },
      sequence: 0,
      start: { dateTime: "2030-01-22T10:00:00+01:00" },
    });
    expect(response.data.etag).toMatch(/^"\d+"$/);
    expect(response.data.created).toMatch(/\.000Z$/);
    expect(response.data.updated).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it("validates client ids, duplicates and times", async () => {
    await alice.events.insert({ calendarId: "primary", requestBody: meeting({ id: "calbridge0booking01" }) });
    const duplicate = await googleFailure(
      alice.events.insert({ calendarId: "primary", requestBody: meeting({ id: "calbridge0booking01" }) }),
    );
    expect([duplicate.status, duplicate.reason]).toEqual([409, "duplicate"]);
    const badId = await googleFailure(
      alice.events.insert({ calendarId: "primary", requestBody: meeting({ id: "Has-Upper_Case" }) }),
    );
    expect([badId.status, badId.reason]).toEqual([400, "invalid"]);
    const backwards = await googleFailure(
      alice.events.insert({
        calendarId: "primary",
        requestBody: meeting({ end: { dateTime: "2030-01-22T09:00:00+01:00" } }),
      }),
    );
    expect([backwards.status, backwards.reason]).toEqual([400, "timeRangeEmpty"]);
    const noZone = await googleFailure(
      alice.events.insert({
        calendarId: "primary",
        requestBody: meeting({ recurrence: ["RRULE:FREQ=DAILY"] }),
      }),
    );
    expect([noZone.status, noZone.reason]).toEqual([400, "required"]);
  });

  it("creates a Meet only with conferenceDataVersion=1, and ignores a repeated requestId", async () => {
    expect((await fixture.admin("conference", { mode: "immediate" })).status).toBe(200);
    const createRequest = { requestId: "req-1", conferenceSolutionKey: { type: "hangoutsMeet" } };
    const ignored = await alice.events.insert({
      calendarId: "primary",
      requestBody: meeting({ conferenceData: { createRequest } }),
    });
    expect(ignored.data.conferenceData).toBeUndefined();
    const created = await alice.events.insert({
      calendarId: "primary",
      conferenceDataVersion: 1,
      requestBody: meeting({ conferenceData: { createRequest } }),
    });
    const conference = created.data.conferenceData!;
    expect(conference.createRequest?.status?.statusCode).toBe("success");
    expect(conference.conferenceId).toMatch(/^[a-z]{3}-[a-z]{4}-[a-z]{3}$/);
    expect(created.data.hangoutLink).toBe(`https://meet.google.com/${conference.conferenceId}`);
    expect(conference.entryPoints?.[0]).toMatchObject({
      entryPointType: "video",
      uri: created.data.hangoutLink,
    });
    const repeated = await alice.events.patch({
      calendarId: "primary",
      eventId: created.data.id!,
      conferenceDataVersion: 1,
      requestBody: { conferenceData: { createRequest } },
    });
    expect(repeated.data.hangoutLink).toBe(created.data.hangoutLink);
  });

  it("answers a Meet request `pending` by default; a later events.get has the link, as a change of the event", async () => {
    const createRequest = { requestId: "req-2", conferenceSolutionKey: { type: "hangoutsMeet" } };
    const created = await alice.events.insert({
      calendarId: "primary",
      conferenceDataVersion: 1,
      requestBody: meeting({ conferenceData: { createRequest } }),
    });
    expect(created.data.conferenceData?.createRequest?.status?.statusCode).toBe("pending");
    expect(created.data.hangoutLink).toBeUndefined();
    expect(created.data.conferenceData?.entryPoints).toBeUndefined();
    const read = await alice.events.get({ calendarId: "primary", eventId: created.data.id! });
    expect(read.data.conferenceData?.createRequest?.status?.statusCode).toBe("success");
    expect(read.data.hangoutLink).toBe(`https://meet.google.com/${read.data.conferenceData?.conferenceId}`);
    expect(read.data.etag).not.toBe(created.data.etag);
  });

  it("keeps a Meet pending until readyAfterMs has passed, and can refuse it", async () => {
    await fixture.admin("conference", { mode: "pending", readyAfterMs: 60_000 });
    const createRequest = { requestId: "req-3", conferenceSolutionKey: { type: "hangoutsMeet" } };
    const created = await alice.events.insert({
      calendarId: "primary",
      conferenceDataVersion: 1,
      requestBody: meeting({ conferenceData: { createRequest } }),
    });
    // Asking again with the same requestId while it is pending changes nothing.
    const again = await alice.events.patch({
      calendarId: "primary",
      eventId: created.data.id!,
      conferenceDataVersion: 1,
      requestBody: { conferenceData: { createRequest } },
    });
    expect(again.data.conferenceData?.createRequest?.status?.statusCode).toBe("pending");
    const early = await alice.events.get({ calendarId: "primary", eventId: created.data.id! });
    expect(early.data.conferenceData?.createRequest?.status?.statusCode).toBe("pending");
    await fixture.admin("clock", { advanceMs: 60_000 });
    const late = await alice.events.get({ calendarId: "primary", eventId: created.data.id! });
    expect(late.data.hangoutLink).toMatch(/^https:\/\/meet\.google\.com\//);
    await fixture.admin("conference", { mode: "failure" });
    const refused = await alice.events.insert({
      calendarId: "primary",
      conferenceDataVersion: 1,
      requestBody: meeting({ conferenceData: { createRequest: { ...createRequest, requestId: "req-4" } } }),
    });
    expect(refused.data.conferenceData?.createRequest?.status?.statusCode).toBe("failure");
    const stillRefused = await alice.events.get({ calendarId: "primary", eventId: refused.data.id! });
    expect(stillRefused.data.hangoutLink).toBeUndefined();
  });

  it("records invitation mail per sendUpdates and books free rooms, declining busy ones", async () => {
    const guests = [{ email: CAROL }, { email: "external@partner.example" }];
    const none = await bob.events.insert({
      calendarId: "primary",
      requestBody: meeting({ attendees: guests }),
    });
    const external = await bob.events.insert({
      calendarId: "primary",
      sendUpdates: "externalOnly",
      requestBody: meeting({ attendees: guests }),
    });
    const all = await bob.events.insert({
      calendarId: "primary",
      sendUpdates: "all",
      requestBody: meeting({ attendees: guests }),
    });
    const mail = await outbox();
    expect(mail.filter((entry) => entry.eventId === none.data.id)).toEqual([]);
    expect(mail.find((entry) => entry.eventId === external.data.id)?.to).toEqual([
      "external@partner.example",
    ]);
    expect(mail.find((entry) => entry.eventId === all.data.id)?.to).toEqual([
      CAROL,
      "external@partner.example",
    ]);
    expect(none.data.attendees?.map((attendee) => attendee.responseStatus)).toEqual([
      "needsAction",
      "needsAction",
    ]);

    const free = await bob.events.insert({
      calendarId: "primary",
      requestBody: meeting({ attendees: [{ email: HUDSON }] }),
    });
    expect(free.data.attendees?.[0]).toMatchObject({
      email: HUDSON,
      resource: true,
      responseStatus: "accepted",
    });
    // Hudson is booked by "Quarterly planning", 2030-01-15 13:00-15:00 New York.
    const clash = await bob.events.insert({
      calendarId: "primary",
      requestBody: {
        summary: "Clash",
        start: { dateTime: "2030-01-15T14:00:00-05:00" },
        end: { dateTime: "2030-01-15T16:00:00-05:00" },
        attendees: [{ email: HUDSON }],
      },
    });
    expect(clash.data.attendees?.[0]?.responseStatus).toBe("declined");
  });

  it("needs writer access", async () => {
    const failure = await googleFailure(
      alice.events.insert({
        calendarId: "en.usa#holiday@group.v.calendar.google.com",
        requestBody: meeting(),
      }),
    );
    expect([failure.status, failure.reason]).toEqual([403, "requiredAccessLevel"]);
  });
});

describe("events.patch / update / delete", () => {
  it("patches partially, merges extendedProperties, bumps sequence on time changes and checks If-Match", async () => {
    const { data: created } = await alice.events.insert({
      calendarId: "primary",
      requestBody: meeting({
        description: "keep me",
        extendedProperties: { private: { a: "1", b: "2" }, shared: { s: "x" } },
      }),
    });
    const { data: renamed } = await alice.events.patch({
      calendarId: "primary",
      eventId: created.id!,
      requestBody: { summary: "Renamed", extendedProperties: { private: { b: "3" } } },
    });
    expect(renamed).toMatchObject({ summary: "Renamed", description: "keep me", sequence: 0 });
    expect(renamed.extendedProperties).toEqual({ private: { a: "1", b: "3" }, shared: { s: "x" } });
    expect(renamed.etag).not.toBe(created.etag);
    const { data: moved } = await alice.events.patch({
      calendarId: "primary",
      eventId: created.id!,
      requestBody: {
        start: { dateTime: "2030-01-22T11:00:00+01:00" },
        end: { dateTime: "2030-01-22T12:00:00+01:00" },
      },
    });
    expect(moved.sequence).toBe(1);
    const stale = await googleFailure(
      alice.events.patch(
        { calendarId: "primary", eventId: created.id!, requestBody: { summary: "x" } },
        { headers: { "If-Match": created.etag! } },
      ),
    );
    expect([stale.status, stale.reason]).toEqual([412, "conditionNotMet"]);
  });

  it("replaces the whole event on update", async () => {
    const { data: created } = await alice.events.insert({
      calendarId: "primary",
      requestBody: meeting({ description: "gone after update", location: "Room 1" }),
    });
    const { data: replaced } = await alice.events.update({
      calendarId: "primary",
      eventId: created.id!,
      requestBody: meeting({ summary: "Replaced" }),
    });
    expect(replaced).toMatchObject({
      id: created.id,
      summary: "Replaced",
      iCalUID: created.iCalUID,
      created: created.created,
    });
    expect(replaced.description).toBeUndefined();
    expect(replaced.location).toBeUndefined();
  });

  it("deletes with 204, then 410 deleted; get still returns the cancelled event; unknown ids are 404", async () => {
    const { data: created } = await alice.events.insert({ calendarId: "primary", requestBody: meeting() });
    const deleted = await alice.events.delete({
      calendarId: "primary",
      eventId: created.id!,
      sendUpdates: "all",
    });
    expect(deleted.status).toBe(204);
    const again = await googleFailure(alice.events.delete({ calendarId: "primary", eventId: created.id! }));
    expect(again.body.error).toMatchObject({
      code: 410,
      message: "Resource has been deleted",
      errors: [{ reason: "deleted", domain: "global" }],
    });
    expect((await alice.events.get({ calendarId: "primary", eventId: created.id! })).data.status).toBe(
      "cancelled",
    );
    expect(
      (await googleFailure(alice.events.delete({ calendarId: "primary", eventId: "doesnotexist0" }))).status,
    ).toBe(404);
  });

  it("turns a patched instance into an exception and a deleted instance into a cancelled one", async () => {
    const instanceId = `${YOGA}_20300204T170000Z`;
    const { data: moved } = await alice.events.patch({
      calendarId: "primary",
      eventId: instanceId,
      requestBody: {
        start: { dateTime: "2030-02-04T20:00:00+01:00" },
        end: { dateTime: "2030-02-04T21:00:00+01:00" },
      },
    });
    expect(moved).toMatchObject({
      id: instanceId,
      recurringEventId: YOGA,
      sequence: 1,
      iCalUID: `${YOGA}@google.com`,
    });
    expect(moved.originalStartTime?.dateTime).toBe("2030-02-04T18:00:00+01:00");
    await alice.events.delete({ calendarId: "primary", eventId: `${YOGA}_20300211T170000Z` });
    const { data } = await alice.events.instances({
      calendarId: "primary",
      eventId: YOGA,
      timeMin: "2030-02-01T00:00:00Z",
      timeMax: "2030-02-15T00:00:00Z",
    });
    expect(data.items?.map((event) => [event.id, event.start?.dateTime])).toEqual([
      [instanceId, "2030-02-04T20:00:00+01:00"],
    ]);
  });

  it("cancels a whole series and its exceptions", async () => {
    await alice.events.delete({ calendarId: "primary", eventId: YOGA });
    const { data } = await alice.events.list({
      calendarId: "primary",
      singleEvents: true,
      timeMin: "2030-01-01T00:00:00Z",
      timeMax: "2030-03-01T00:00:00Z",
    });
    expect(data.items?.some((event) => event.recurringEventId === YOGA || event.id === YOGA)).toBe(false);
  });
});
