import { describe, expect, it } from "vitest";
import { explainInstant, type Reason } from "./explain.ts";
import { buildHost, buildRequest } from "./testing/request-builder.ts";

type Case = {
  name: string;
  request: Parameters<typeof buildRequest>[0];
  instant: string;
  reasons: Array<Partial<Reason>>;
};

const busyHost = buildHost({
  busy: [
    { start: "2030-03-04T09:30:00Z", end: "2030-03-04T10:00:00Z", source: "outlook:standup" },
    { start: "2030-03-04T10:00:00Z", end: "2030-03-04T11:00:00Z", source: "google:free", status: "free" },
  ],
  outOfOffice: [{ start: "2030-03-04T10:30:00Z", end: "2030-03-04T12:00:00Z" }],
  bookings: [{ id: "booking-7", start: "2030-03-04T09:00:00Z", end: "2030-03-04T09:30:00Z" }],
});

const cases: Case[] = [
  {
    name: "outside the requested range",
    request: {},
    instant: "2030-03-05T09:00:00Z",
    reasons: [{ code: "outside_range" }, { code: "outside_working_hours" }],
  },
  {
    name: "minimum notice",
    request: { now: "2030-03-04T08:45:00Z", eventType: { minimumNoticeMinutes: 60 } },
    instant: "2030-03-04T09:30:00Z",
    reasons: [{ code: "minimum_notice", message: expect.stringContaining("2030-03-04T09:45:00Z") }],
  },
  {
    name: "rolling horizon",
    request: { now: "2030-03-01T12:00:00Z", eventType: { horizon: { type: "rolling", days: 2 } } },
    instant: "2030-03-04T09:00:00Z",
    reasons: [{ code: "horizon", message: expect.stringContaining("2030-03-03T12:00:00Z") }],
  },
  {
    name: "outside working hours, with the day's hours in the message",
    request: {},
    instant: "2030-03-04T12:00:00Z",
    reasons: [
      { code: "outside_working_hours", message: expect.stringContaining("mon 2030-03-04 has 09:00-11:00") },
    ],
  },
  {
    name: "a slot running past the end of hours",
    request: {},
    instant: "2030-03-04T10:45:00Z",
    reasons: [
      { code: "outside_working_hours", message: expect.stringContaining("would end at 2030-03-04 11:15") },
    ],
  },
  {
    name: "day off by date override",
    request: { hosts: [buildHost({ overrides: [{ date: "2030-03-04", intervals: [] }] })] },
    instant: "2030-03-04T09:00:00Z",
    reasons: [{ code: "day_off", message: "day off on 2030-03-04 (date override)" }],
  },
  {
    name: "override hours are named as such",
    request: { hosts: [buildHost({ overrides: [{ date: "2030-03-04", intervals: [["14:00", "15:00"]] }] })] },
    instant: "2030-03-04T09:00:00Z",
    reasons: [
      { code: "outside_working_hours", message: expect.stringContaining("14:00-15:00 (date override") },
    ],
  },
  {
    name: "not on the slot grid",
    request: {},
    instant: "2030-03-04T09:10:00Z",
    reasons: [{ code: "not_aligned" }],
  },
  {
    name: "busy in a calendar, naming the source; free entries are ignored",
    request: { hosts: [busyHost] },
    instant: "2030-03-04T09:30:00Z",
    reasons: [{ code: "busy", source: "outlook:standup" }],
  },
  {
    name: "an existing booking",
    request: { hosts: [busyHost] },
    instant: "2030-03-04T09:00:00Z",
    reasons: [{ code: "booking", bookingId: "booking-7" }],
  },
  {
    name: "out of office",
    request: { hosts: [busyHost] },
    instant: "2030-03-04T10:30:00Z",
    reasons: [{ code: "out_of_office" }],
  },
  {
    name: "buffer after an existing booking, naming the booking",
    request: {
      eventType: { bufferAfterMinutes: 15 },
      hosts: [
        buildHost({
          bookings: [{ id: "booking-7", start: "2030-03-04T09:00:00Z", end: "2030-03-04T09:30:00Z" }],
        }),
      ],
    },
    instant: "2030-03-04T09:30:00Z",
    reasons: [{ code: "buffer", bookingId: "booking-7" }],
  },
  {
    name: "buffer of the new slot reaching calendar busy time",
    request: {
      eventType: { bufferBeforeMinutes: 10 },
      hosts: [
        buildHost({
          busy: [{ start: "2030-03-04T08:45:00Z", end: "2030-03-04T09:55:00Z", source: "caldav:x" }],
        }),
      ],
    },
    instant: "2030-03-04T10:00:00Z",
    reasons: [{ code: "buffer", source: "caldav:x" }],
  },
  {
    name: "daily limit",
    request: {
      eventType: { limits: { perDay: { count: 1 } } },
      hosts: [
        buildHost({ bookings: [{ id: "b", start: "2030-03-04T15:00:00Z", end: "2030-03-04T15:30:00Z" }] }),
      ],
    },
    instant: "2030-03-04T09:00:00Z",
    reasons: [{ code: "daily_limit", message: "daily limit on 2030-03-04: 1 of 1 bookings already taken" }],
  },
  {
    name: "weekly limit",
    request: {
      eventType: { limits: { perWeek: { minutes: 60 } } },
      hosts: [
        buildHost({ bookings: [{ id: "b", start: "2030-03-06T15:00:00Z", end: "2030-03-06T15:45:00Z" }] }),
      ],
    },
    instant: "2030-03-04T09:00:00Z",
    reasons: [
      { code: "weekly_limit", message: expect.stringContaining("week of 2030-03-04: 45 of 60 minutes") },
    ],
  },
  {
    name: "several reasons at once",
    request: { now: "2030-03-04T12:00:00Z", hosts: [busyHost] },
    instant: "2030-03-04T09:30:00Z",
    reasons: [{ code: "minimum_notice" }, { code: "busy" }],
  },
];

describe("explainInstant", () => {
  it.each(cases)("$name", ({ request, instant, reasons }) => {
    const explanation = explainInstant(buildRequest(request), instant);
    expect(explanation).toEqual({
      bookable: false,
      reasons: reasons.map((reason) => expect.objectContaining({ hostId: "h1", ...reason })),
    });
  });

  it("a bookable instant lists the host", () => {
    expect(explainInstant(buildRequest(), "2030-03-04T09:00:00Z")).toEqual({
      bookable: true,
      hostIds: ["h1"],
    });
  });

  const alice = buildHost({ id: "alice" });
  const bob = buildHost({
    id: "bob",
    busy: [{ start: "2030-03-04T09:00:00Z", end: "2030-03-04T09:30:00Z", source: "bob:cal" }],
  });

  it("collective: one busy host makes the time unbookable and is named", () => {
    const request = buildRequest({ hosts: [alice, bob], eventType: { mode: "collective" } });
    expect(explainInstant(request, "2030-03-04T09:00:00Z")).toEqual({
      bookable: false,
      reasons: [expect.objectContaining({ code: "busy", hostId: "bob", source: "bob:cal" })],
    });
  });

  it("round-robin: bookable with the free hosts", () => {
    const request = buildRequest({ hosts: [alice, bob], eventType: { mode: "round-robin" } });
    expect(explainInstant(request, "2030-03-04T09:00:00Z")).toEqual({ bookable: true, hostIds: ["alice"] });
  });

  it("rejects a malformed instant as a programmer error", () => {
    expect(() => explainInstant(buildRequest(), "soon")).toThrow("not an ISO 8601 instant");
  });
});
