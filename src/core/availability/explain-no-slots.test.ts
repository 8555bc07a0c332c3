import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { computeSlots } from "./compute-slots.ts";
import { explainNoSlots, type NoSlotsReason } from "./explain-no-slots.ts";
import { requestArbitrary } from "./testing/request-arbitrary.ts";
import { buildHost, buildRequest } from "./testing/request-builder.ts";

type Case = { name: string; request: Parameters<typeof buildRequest>[0]; reason: Partial<NoSlotsReason> };

// The default request: Monday 2030-03-04 in UTC, host h1 working 09:00-11:00, 30-minute slots, now 2030-03-01.
const cases: Case[] = [
  {
    name: "a host without any working hours (no schedule)",
    request: { hosts: [buildHost({ weekly: {} })] },
    reason: { code: "no_schedule", hostId: "h1" },
  },
  {
    name: "a range in the past",
    request: { now: "2030-03-06T00:00:00Z" },
    reason: {
      code: "minimum_notice",
      message: "the range 2030-03-04T00:00:00Z to 2030-03-05T00:00:00Z lies in the past",
    },
  },
  {
    name: "a range that ends before the minimum notice allows a start",
    request: { now: "2030-03-03T12:00:00Z", eventType: { minimumNoticeMinutes: 36 * 60 } },
    reason: {
      code: "minimum_notice",
      message: expect.stringContaining(
        "needs 2160 minutes of notice: the earliest start is 2030-03-05T00:00:00Z",
      ),
    },
  },
  {
    name: "a range beyond the rolling horizon",
    request: { now: "2030-01-01T00:00:00Z", eventType: { horizon: { type: "rolling", days: 60 } } },
    reason: {
      code: "horizon",
      message: expect.stringContaining("bookable only 60 days ahead, until 2030-03-02T00:00:00Z"),
    },
  },
  {
    name: "a range outside a fixed horizon",
    request: { eventType: { horizon: { type: "fixed", startDate: "2030-04-01", endDate: "2030-04-30" } } },
    reason: { code: "horizon", message: expect.stringContaining("from 2030-04-01 to 2030-04-30 (UTC)") },
  },
  {
    name: "no working hours in the range",
    request: { from: "2030-03-05T00:00:00Z", to: "2030-03-07T00:00:00Z" },
    reason: {
      code: "no_working_hours",
      message:
        "no working hours from 2030-03-05T00:00:00Z to 2030-03-07T00:00:00Z fit a 30-minute slot (UTC)",
    },
  },
  {
    name: "working hours too short for the duration",
    request: { eventType: { durationMinutes: 180 } },
    reason: { code: "no_working_hours", message: expect.stringContaining("fit a 180-minute slot") },
  },
  {
    name: "a day off by date override",
    request: { hosts: [buildHost({ overrides: [{ date: "2030-03-04", intervals: [] }] })] },
    reason: { code: "no_working_hours" },
  },
  {
    name: "every time taken, without naming what takes it",
    request: {
      hosts: [
        buildHost({
          busy: [{ start: "2030-03-04T09:00:00Z", end: "2030-03-04T11:00:00Z", source: "outlook:dentist" }],
        }),
      ],
    },
    reason: { code: "fully_booked", message: expect.not.stringContaining("dentist") },
  },
  {
    name: "collective: the host that rules the range out first is named",
    request: {
      eventType: { mode: "collective" },
      hosts: [
        buildHost({
          id: "a",
          busy: [{ start: "2030-03-04T09:00:00Z", end: "2030-03-04T11:00:00Z", source: "x" }],
        }),
        buildHost({ id: "b", weekly: {} }),
      ],
    },
    reason: { code: "no_schedule", hostId: "b" },
  },
  {
    name: "collective: each host is free, but never at the same time",
    request: {
      eventType: { mode: "collective" },
      hosts: [
        buildHost({ id: "a", weekly: { mon: [["09:00", "10:00"]] } }),
        buildHost({ id: "b", weekly: { mon: [["10:00", "11:00"]] } }),
      ],
    },
    reason: { code: "no_common_time" },
  },
  {
    name: "round-robin: the host closest to a slot is reported",
    request: {
      eventType: { mode: "round-robin" },
      hosts: [
        buildHost({ id: "a", weekly: {} }),
        buildHost({
          id: "b",
          busy: [{ start: "2030-03-04T09:00:00Z", end: "2030-03-04T11:00:00Z", source: "x" }],
        }),
      ],
    },
    reason: { code: "fully_booked", hostId: "b" },
  },
];

describe("explainNoSlots", () => {
  it.each(cases)("$name", ({ request, reason }) => {
    const built = buildRequest(request);
    expect(computeSlots(built)).toEqual([]);
    expect(explainNoSlots(built)).toEqual(expect.objectContaining(reason));
  });

  it("is null when there are slots", () => {
    expect(explainNoSlots(buildRequest())).toBeNull();
    const roundRobin = buildRequest({
      eventType: { mode: "round-robin" },
      hosts: [buildHost({ id: "a", weekly: {} }), buildHost({ id: "b" })],
    });
    expect(explainNoSlots(roundRobin)).toBeNull();
  });

  it("gives a reason exactly when the engine finds no slot (property)", () => {
    fc.assert(
      fc.property(requestArbitrary, (request) => {
        const empty = computeSlots(request).length === 0;
        const reason = explainNoSlots(request);
        expect(reason === null).toBe(!empty);
        if (reason !== null) expect(reason.message.length).toBeGreaterThan(0);
      }),
      { numRuns: 250 },
    );
  });
});
