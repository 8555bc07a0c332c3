import type { calendar_v3 } from "@googleapis/calendar";
import { describe, expect, it } from "vitest";
import { ALICE, ATLAS, BOB, CAROL, HUDSON } from "./test-accounts.ts";
import { googleFailure } from "./test-calendar-client.ts";
import { useGoogleSandbox } from "./test-fixture.ts";

const fixture = useGoogleSandbox({ accounts: [ALICE, BOB] });
const alice = (): calendar_v3.Calendar => fixture.client(ALICE);
const bob = (): calendar_v3.Calendar => fixture.client(BOB);

describe("freebusy.query", () => {
  it("reports opaque, accepted, confirmed time only, in UTC without milliseconds", async () => {
    const { data } = await alice().freebusy.query({
      requestBody: {
        timeMin: "2030-01-07T00:00:00+01:00",
        timeMax: "2030-01-17T00:00:00Z",
        items: [{ id: "primary" }],
      },
    });
    expect(data.kind).toBe("calendar#freeBusy");
    expect([data.timeMin, data.timeMax]).toEqual(["2030-01-06T23:00:00.000Z", "2030-01-17T00:00:00.000Z"]);
    // Yoga 7th, dentist 9th, moved yoga 14th; "Reading time" is transparent and the book club declined.
    expect(data.calendars?.primary?.busy).toEqual([
      { start: "2030-01-07T17:00:00Z", end: "2030-01-07T18:00:00Z" },
      { start: "2030-01-09T09:00:00Z", end: "2030-01-09T09:45:00Z" },
      { start: "2030-01-14T18:30:00Z", end: "2030-01-14T19:30:00Z" },
    ]);
  });

  it("merges touching periods, clips to the window and answers in the requested zone", async () => {
    const add = (start: string, end: string) =>
      alice().events.insert({
        calendarId: "primary",
        requestBody: { summary: "x", start: { dateTime: start }, end: { dateTime: end } },
      });
    await add("2030-04-02T09:00:00Z", "2030-04-02T10:00:00Z");
    await add("2030-04-02T10:00:00Z", "2030-04-02T11:00:00Z");
    await add("2030-04-02T10:30:00Z", "2030-04-02T12:00:00Z");
    const { data } = await alice().freebusy.query({
      requestBody: {
        timeMin: "2030-04-02T09:30:00Z",
        timeMax: "2030-04-03T00:00:00Z",
        timeZone: "Europe/Berlin",
        items: [{ id: ALICE }],
      },
    });
    expect(data.calendars?.[ALICE]?.busy).toEqual([
      { start: "2030-04-02T11:30:00+02:00", end: "2030-04-02T14:00:00+02:00" },
    ]);
  });

  it("keeps per-calendar errors inside the 200", async () => {
    const response = await alice().freebusy.query({
      requestBody: {
        timeMin: "2030-01-07T00:00:00Z",
        timeMax: "2030-01-08T00:00:00Z",
        items: [{ id: "primary" }, { id: "nobody@example.com" }, { id: CAROL }],
      },
    });
    expect(response.status).toBe(200);
    expect(response.data.calendars?.["nobody@example.com"]).toEqual({
      errors: [{ domain: "global", reason: "notFound" }],
      busy: [],
    });
    expect(response.data.calendars?.[CAROL]?.errors?.[0]?.reason).toBe("notFound");
    const many = await alice().freebusy.query({
      requestBody: {
        timeMin: "2030-01-07T00:00:00Z",
        timeMax: "2030-01-08T00:00:00Z",
        items: Array.from({ length: 51 }, (_, index) => ({
          id: index === 50 ? "extra@example.com" : "primary",
        })),
      },
    });
    expect(many.data.calendars?.["extra@example.com"]?.errors?.[0]?.reason).toBe("tooManyCalendarsRequested");
  });

  it("shows room bookings made by inviting the room, for free/busy-only rooms too", async () => {
    const { data } = await bob().freebusy.query({
      requestBody: {
        timeMin: "2030-01-15T00:00:00Z",
        timeMax: "2030-01-16T00:00:00Z",
        items: [{ id: HUDSON }, { id: ATLAS }],
      },
    });
    expect(data.calendars?.[HUDSON]?.busy).toEqual([
      { start: "2030-01-15T18:00:00Z", end: "2030-01-15T20:00:00Z" },
    ]);
    expect(data.calendars?.[ATLAS]?.busy).toEqual([]);
    const atlas = await bob().freebusy.query({
      requestBody: {
        timeMin: "2030-01-09T00:00:00Z",
        timeMax: "2030-01-24T00:00:00Z",
        items: [{ id: ATLAS }],
      },
    });
    // Carol's fortnightly 1:1 books Atlas on 9 and 23 January.
    expect(atlas.data.calendars?.[ATLAS]?.busy).toEqual([
      { start: "2030-01-09T15:00:00Z", end: "2030-01-09T15:30:00Z" },
      { start: "2030-01-23T15:00:00Z", end: "2030-01-23T15:30:00Z" },
    ]);
  });

  it("requires timeMin and timeMax", async () => {
    const failure = await googleFailure(
      alice().freebusy.query({ requestBody: { timeMax: "2030-01-08T00:00:00Z", items: [] } }),
    );
    expect([failure.status, failure.reason]).toEqual([400, "required"]);
  });
});
