import { describe, expect, it } from "vitest";
import { computeEpochSlots, computeSlots } from "./compute-slots.ts";
import type { AvailabilityHost } from "./request-schema.ts";
import { buildHost, buildRequest } from "./testing/request-builder.ts";

type Case = { name: string; request: Parameters<typeof buildRequest>[0]; starts: string[] };

/** Slot starts as "HH:MM" when on the default Monday, else as full instants. */
function starts(request: ReturnType<typeof buildRequest>): string[] {
  return computeSlots(request).map((slot) =>
    slot.start.startsWith("2030-03-04T") ? slot.start.slice(11, 16) : slot.start,
  );
}

const host = (overrides: Partial<AvailabilityHost>): AvailabilityHost[] => [buildHost(overrides)];

const cases: Case[] = [
  {
    name: "weekly hours, step defaults to the duration",
    request: {},
    starts: ["09:00", "09:30", "10:00", "10:30"],
  },
  {
    name: "step shorter than the duration",
    request: { eventType: { stepMinutes: 15 } },
    starts: ["09:00", "09:15", "09:30", "09:45", "10:00", "10:15", "10:30"],
  },
  {
    name: "a slot must end by the end of hours",
    request: { eventType: { durationMinutes: 45 } },
    starts: ["09:00", "09:45"],
  },
  {
    name: "several intervals a day",
    request: {
      hosts: host({
        weekly: {
          mon: [
            ["09:00", "10:00"],
            ["13:00", "14:00"],
          ],
        },
      }),
    },
    starts: ["09:00", "09:30", "13:00", "13:30"],
  },
  {
    name: "no hours on that weekday",
    request: { hosts: host({ weekly: { tue: [["09:00", "17:00"]] } }) },
    starts: [],
  },
  {
    name: "a date override replaces the day's hours",
    request: { hosts: host({ overrides: [{ date: "2030-03-04", intervals: [["13:00", "14:00"]] }] }) },
    starts: ["13:00", "13:30"],
  },
  {
    name: "an empty date override is a day off",
    request: { hosts: host({ overrides: [{ date: "2030-03-04", intervals: [] }] }) },
    starts: [],
  },
  {
    name: "an override on another date changes nothing",
    request: { hosts: host({ overrides: [{ date: "2030-03-11", intervals: [] }] }) },
    starts: ["09:00", "09:30", "10:00", "10:30"],
  },
  {
    name: "an interval past midnight belongs to the day it starts",
    request: { hosts: host({ weekly: { sun: [["23:00", "01:00"]] } }), from: "2030-03-03T00:00:00Z" },
    starts: ["2030-03-03T23:00:00Z", "2030-03-03T23:30:00Z", "00:00", "00:30"],
  },
  {
    name: "an override on the next day leaves the spill past midnight alone",
    request: {
      hosts: host({
        weekly: { sun: [["23:00", "01:00"]] },
        overrides: [{ date: "2030-03-04", intervals: [] }],
      }),
    },
    starts: ["00:00", "00:30"],
  },
  {
    name: "00:00-24:00 is the whole day",
    request: { hosts: host({ weekly: { mon: [["00:00", "24:00"]] } }), eventType: { durationMinutes: 240 } },
    starts: ["00:00", "04:00", "08:00", "12:00", "16:00", "20:00"],
  },
  {
    name: "busy time removes overlapping slots",
    request: {
      hosts: host({ busy: [{ start: "2030-03-04T09:15:00Z", end: "2030-03-04T09:45:00Z", source: "g:1" }] }),
    },
    starts: ["10:00", "10:30"],
  },
  {
    name: "busy time touching a slot does not block it (half-open intervals)",
    request: {
      hosts: host({ busy: [{ start: "2030-03-04T09:30:00Z", end: "2030-03-04T10:00:00Z", source: "g:1" }] }),
    },
    starts: ["09:00", "10:00", "10:30"],
  },
  {
    name: "free status does not block",
    request: {
      hosts: host({
        busy: [{ start: "2030-03-04T09:00:00Z", end: "2030-03-04T11:00:00Z", source: "g:1", status: "free" }],
      }),
    },
    starts: ["09:00", "09:30", "10:00", "10:30"],
  },
  {
    name: "tentative blocks by default",
    request: {
      hosts: host({
        busy: [
          { start: "2030-03-04T09:00:00Z", end: "2030-03-04T10:00:00Z", source: "g:1", status: "tentative" },
        ],
      }),
    },
    starts: ["10:00", "10:30"],
  },
  {
    name: "blocking statuses are configurable",
    request: {
      eventType: { blockingStatuses: ["busy"] },
      hosts: host({
        busy: [
          { start: "2030-03-04T09:00:00Z", end: "2030-03-04T10:00:00Z", source: "g:1", status: "tentative" },
          {
            start: "2030-03-04T10:00:00Z",
            end: "2030-03-04T10:30:00Z",
            source: "g:2",
            status: "out_of_office",
          },
        ],
      }),
    },
    starts: ["09:00", "09:30", "10:00", "10:30"],
  },
  {
    name: "out of office blocks",
    request: {
      hosts: host({ outOfOffice: [{ start: "2030-03-04T08:00:00Z", end: "2030-03-04T10:00:00Z" }] }),
    },
    starts: ["10:00", "10:30"],
  },
  {
    name: "buffer before a new slot keeps distance from busy time",
    request: {
      eventType: { bufferBeforeMinutes: 15 },
      hosts: host({ busy: [{ start: "2030-03-04T09:00:00Z", end: "2030-03-04T09:30:00Z", source: "g:1" }] }),
    },
    starts: ["10:00", "10:30"],
  },
  {
    name: "buffer after a new slot keeps distance from busy time",
    request: {
      eventType: { bufferAfterMinutes: 15 },
      hosts: host({ busy: [{ start: "2030-03-04T10:30:00Z", end: "2030-03-04T11:00:00Z", source: "g:1" }] }),
    },
    starts: ["09:00", "09:30"],
  },
  {
    name: "buffers need not lie inside working hours",
    request: { eventType: { bufferBeforeMinutes: 30, bufferAfterMinutes: 30 } },
    starts: ["09:00", "09:30", "10:00", "10:30"],
  },
  {
    name: "existing bookings are widened by the buffers too",
    request: {
      eventType: { bufferAfterMinutes: 15, stepMinutes: 15 },
      hosts: host({ bookings: [{ id: "b1", start: "2030-03-04T09:30:00Z", end: "2030-03-04T10:00:00Z" }] }),
    },
    // The booking blocks 09:30-10:15; a new slot needs 15 free minutes after it, so 09:00 (to 09:45) fails.
    starts: ["10:15", "10:30"],
  },
  {
    name: "a booking's own buffers win over the event type's",
    request: {
      eventType: { bufferAfterMinutes: 15, stepMinutes: 15 },
      hosts: host({
        bookings: [
          { id: "b1", start: "2030-03-04T09:30:00Z", end: "2030-03-04T10:00:00Z", bufferAfterMinutes: 0 },
        ],
      }),
    },
    starts: ["10:00", "10:15", "10:30"],
  },
  {
    name: "minimum notice",
    request: { now: "2030-03-04T09:10:00Z", eventType: { minimumNoticeMinutes: 30 } },
    starts: ["10:00", "10:30"],
  },
  {
    name: "the grid is kept when the range starts mid-interval",
    request: { from: "2030-03-04T09:15:00Z" },
    starts: ["09:30", "10:00", "10:30"],
  },
  {
    name: "slots start before the end of the range",
    request: { to: "2030-03-04T10:00:00Z" },
    starts: ["09:00", "09:30"],
  },
  {
    name: "rolling horizon counts from now",
    request: {
      now: "2030-03-03T10:00:00Z",
      to: "2030-03-12T00:00:00Z",
      eventType: { horizon: { type: "rolling", days: 1 } },
    },
    starts: ["09:00", "09:30"],
  },
  {
    name: "fixed horizon is a range of the host's local dates",
    request: {
      from: "2030-03-03T00:00:00Z",
      to: "2030-03-12T00:00:00Z",
      hosts: host({ timeZone: "Asia/Tokyo", weekly: { mon: [["08:00", "09:00"]] } }),
      eventType: {
        durationMinutes: 60,
        horizon: { type: "fixed", startDate: "2030-03-10", endDate: "2030-03-11" },
      },
    },
    // Monday 2030-03-11 08:00 in Tokyo is Sunday 23:00 UTC; the Monday before is outside the horizon.
    starts: ["2030-03-10T23:00:00Z"],
  },
  {
    name: "start-time alignment to the clock",
    request: {
      hosts: host({ weekly: { mon: [["09:10", "11:00"]] } }),
      eventType: { startAlignmentMinutes: 30 },
    },
    starts: ["09:30", "10:00", "10:30"],
  },
  {
    name: "without alignment, slots step from the start of hours",
    request: { hosts: host({ weekly: { mon: [["09:10", "11:00"]] } }) },
    starts: ["09:10", "09:40", "10:10"],
  },
  {
    name: "alignment follows the host's wall clock (Kathmandu, +05:45)",
    request: {
      from: "2030-03-03T00:00:00Z",
      hosts: host({ timeZone: "Asia/Kathmandu", weekly: { mon: [["09:10", "10:30"]] } }),
      eventType: { startAlignmentMinutes: 30 },
    },
    starts: ["03:45", "04:15"],
  },
];

const week = { mon: [["09:00", "10:00"]], tue: [["09:00", "10:00"]] } as AvailabilityHost["weekly"];
const limitCases: Case[] = [
  {
    name: "daily count limit closes the day of a booking",
    request: {
      to: "2030-03-06T00:00:00Z",
      eventType: { durationMinutes: 60, limits: { perDay: { count: 1 } } },
      hosts: host({
        weekly: week,
        bookings: [{ id: "b", start: "2030-03-04T15:00:00Z", end: "2030-03-04T16:00:00Z" }],
      }),
    },
    starts: ["2030-03-05T09:00:00Z"],
  },
  {
    name: "daily minutes limit admits a slot that exactly fills it",
    request: {
      eventType: { durationMinutes: 60, limits: { perDay: { minutes: 120 } } },
      hosts: host({
        weekly: week,
        bookings: [{ id: "b", start: "2030-03-04T15:00:00Z", end: "2030-03-04T16:00:00Z" }],
      }),
    },
    starts: ["09:00"],
  },
  {
    name: "daily minutes limit refuses a slot that would exceed it",
    request: {
      eventType: { durationMinutes: 60, limits: { perDay: { minutes: 90 } } },
      hosts: host({
        weekly: week,
        bookings: [{ id: "b", start: "2030-03-04T15:00:00Z", end: "2030-03-04T16:00:00Z" }],
      }),
    },
    starts: [],
  },
  {
    name: "weekly limit closes the whole ISO week (Monday first)",
    request: {
      from: "2030-03-04T00:00:00Z",
      to: "2030-03-13T00:00:00Z",
      eventType: { durationMinutes: 60, limits: { perWeek: { count: 1 } } },
      hosts: host({
        weekly: week,
        bookings: [{ id: "b", start: "2030-03-10T15:00:00Z", end: "2030-03-10T16:00:00Z" }],
      }),
    },
    starts: ["2030-03-11T09:00:00Z", "2030-03-12T09:00:00Z"],
  },
  {
    name: "limits count bookings on the host's local date",
    request: {
      from: "2030-03-03T00:00:00Z",
      to: "2030-03-06T00:00:00Z",
      eventType: { durationMinutes: 60, limits: { perDay: { count: 1 } } },
      // 2030-03-04T16:00Z is Tuesday 01:00 in Tokyo: Tuesday is full, Monday is not.
      hosts: host({
        timeZone: "Asia/Tokyo",
        weekly: week,
        bookings: [{ id: "b", start: "2030-03-04T16:00:00Z", end: "2030-03-04T17:00:00Z" }],
      }),
    },
    starts: ["00:00"],
  },
];

describe("computeSlots rules", () => {
  it.each([...cases, ...limitCases])("$name", ({ request, starts: expected }) => {
    expect(starts(buildRequest(request))).toEqual(expected);
  });
});

describe("computeSlots modes", () => {
  const alice = buildHost({ id: "alice", weekly: { mon: [["09:00", "10:30"]] } });
  const bob = buildHost({ id: "bob", weekly: { mon: [["09:30", "11:00"]] } });

  it("single: every slot names the host, ends duration after its start, UTC format", () => {
    const slots = computeSlots(buildRequest({ hosts: [alice] }));
    expect(slots[0]).toEqual({
      start: "2030-03-04T09:00:00Z",
      end: "2030-03-04T09:30:00Z",
      hostIds: ["alice"],
    });
  });

  it("collective: only times when all hosts are free", () => {
    const slots = computeSlots(buildRequest({ hosts: [alice, bob], eventType: { mode: "collective" } }));
    expect(slots.map((slot) => [slot.start.slice(11, 16), slot.hostIds])).toEqual([
      ["09:30", ["alice", "bob"]],
      ["10:00", ["alice", "bob"]],
    ]);
  });

  it("round-robin: any host free, each slot lists the free hosts in host order", () => {
    const slots = computeSlots(buildRequest({ hosts: [bob, alice], eventType: { mode: "round-robin" } }));
    expect(slots.map((slot) => [slot.start.slice(11, 16), slot.hostIds])).toEqual([
      ["09:00", ["alice"]],
      ["09:30", ["bob", "alice"]],
      ["10:00", ["bob", "alice"]],
      ["10:30", ["bob"]],
    ]);
  });

  it("collective across a half-hour offset: no common grid unless alignment names one clock", () => {
    const hosts = [
      buildHost({ id: "berlin", timeZone: "Europe/Berlin", weekly: { mon: [["09:00", "17:00"]] } }),
      buildHost({ id: "kolkata", timeZone: "Asia/Kolkata", weekly: { mon: [["09:00", "17:00"]] } }),
    ];
    const eventType = { mode: "collective" as const, durationMinutes: 60 };
    // Berlin starts on the UTC hour (08:00Z...), Kolkata on the half hour (03:30Z...).
    expect(computeSlots(buildRequest({ hosts, eventType }))).toEqual([]);
    const aligned = buildRequest({
      hosts,
      eventType: { ...eventType, startAlignmentMinutes: 60, startAlignmentTimeZone: "UTC" },
    });
    // Kolkata's hours end at 11:30Z, so the last common hour starts at 10:00Z.
    expect(computeSlots(aligned).map((slot) => slot.start.slice(11, 16))).toEqual([
      "08:00",
      "09:00",
      "10:00",
    ]);
  });

  it("collective hosts with no common time give no slots", () => {
    const early = buildHost({ id: "a", weekly: { mon: [["09:00", "10:00"]] } });
    const late = buildHost({ id: "b", weekly: { mon: [["10:00", "11:00"]] } });
    expect(computeSlots(buildRequest({ hosts: [early, late], eventType: { mode: "collective" } }))).toEqual(
      [],
    );
  });

  it("the epoch variant returns the same slots in milliseconds", () => {
    const request = buildRequest();
    const epoch = computeEpochSlots(request);
    expect(epoch.map((slot) => new Date(slot.startMs).toISOString().replace(".000", ""))).toEqual(
      computeSlots(request).map((slot) => slot.start),
    );
    expect(epoch.every((slot) => slot.endMs - slot.startMs === 30 * 60_000)).toBe(true);
  });
});
