import { describe, expect, it } from "vitest";
import { computeSlots } from "./compute-slots.ts";
import { parseAvailabilityRequest } from "./request-schema.ts";
import { ISSUE_EXAMPLE_REQUEST } from "./testing/issue-example.ts";

const issueExample = ISSUE_EXAMPLE_REQUEST;

type Example = typeof issueExample;
const host = issueExample.hosts[0]!;
const withHost = (changes: Record<string, unknown>): Example => ({
  ...issueExample,
  hosts: [{ ...host, ...changes }],
});
const withEventType = (changes: Record<string, unknown>): Example => ({
  ...issueExample,
  eventType: { ...issueExample.eventType, ...changes },
});

describe("availabilityRequestSchema", () => {
  it("accepts the issue's example", () => {
    expect(parseAvailabilityRequest(issueExample)).toMatchObject({ ok: true });
  });

  it("accepts every optional field", () => {
    const full = {
      ...withEventType({
        mode: "round-robin",
        horizon: { type: "fixed", startDate: "2030-03-01", endDate: "2030-03-31" },
        limits: { perDay: { count: 4, minutes: 240 }, perWeek: { count: 10 } },
        startAlignmentMinutes: 15,
        blockingStatuses: ["busy", "out_of_office"],
      }),
      hosts: [
        {
          ...host,
          weekly: { sun: [["22:00", "02:00"]], mon: [["09:00", "17:00"]] },
          outOfOffice: [{ start: "2030-03-20T00:00:00Z", end: "2030-03-22T00:00:00Z" }],
          busy: [
            {
              start: "2030-03-04T08:00:00+01:00",
              end: "2030-03-04T09:00:00+01:00",
              source: "g",
              status: "tentative",
            },
          ],
          bookings: [
            { id: "b1", start: "2030-03-05T10:00:00Z", end: "2030-03-05T10:30:00Z", bufferAfterMinutes: 5 },
          ],
        },
        { ...host, id: "h2" },
      ],
    };
    expect(parseAvailabilityRequest(full)).toMatchObject({ ok: true });
  });

  it("takes busy, absence and booking times as epoch milliseconds too, with the same slots as text", () => {
    const asText = withHost({
      busy: [{ start: "2030-03-04T08:00:00Z", end: "2030-03-04T09:15:00Z", source: "g" }],
      outOfOffice: [{ start: "2030-03-05T00:00:00Z", end: "2030-03-06T00:00:00Z" }],
      bookings: [{ id: "b1", start: "2030-03-06T10:00:00Z", end: "2030-03-06T10:30:00Z" }],
    });
    const asNumbers = withHost({
      busy: [{ start: Date.UTC(2030, 2, 4, 8), end: Date.UTC(2030, 2, 4, 9, 15), source: "g" }],
      outOfOffice: [{ start: Date.UTC(2030, 2, 5), end: Date.UTC(2030, 2, 6) }],
      bookings: [{ id: "b1", start: Date.UTC(2030, 2, 6, 10), end: Date.UTC(2030, 2, 6, 10, 30) }],
    });
    const text = parseAvailabilityRequest(asText);
    const numbers = parseAvailabilityRequest(asNumbers);
    if (!text.ok || !numbers.ok) throw new Error(JSON.stringify([text, numbers]));
    const slots = computeSlots(numbers.value);
    expect(slots.length).toBeGreaterThan(0);
    expect(slots).toEqual(computeSlots(text.value));
  });

  it.each([
    [
      "unknown host time zone",
      withHost({ timeZone: "Europe/Atlantis" }),
      'hosts.0.timeZone: unknown time zone "Europe/Atlantis"',
    ],
    [
      "unknown invitee time zone",
      { ...issueExample, inviteeTimeZone: "EST-ish" },
      'inviteeTimeZone: unknown time zone "EST-ish"',
    ],
    [
      "range end before start",
      { ...issueExample, range: { from: "2030-03-31T00:00:00Z", to: "2030-03-01T00:00:00Z" } },
      "range.to: must be after range.from",
    ],
    [
      "busy end before start",
      withHost({ busy: [{ start: "2030-03-04T09:00:00Z", end: "2030-03-04T08:00:00Z", source: "x" }] }),
      "hosts.0.busy.0.end: end must be after start",
    ],
    [
      "bad instant",
      { ...issueExample, now: "2030-02-30T12:00:00Z" },
      "now: must be an ISO 8601 date-time with a zone, such as 2030-03-01T09:00:00Z",
    ],
    [
      "bad override date",
      withHost({ overrides: [{ date: "2030-02-29", intervals: [] }] }),
      "hosts.0.overrides.0.date: must be a calendar date YYYY-MM-DD",
    ],
    [
      "bad wall time",
      withHost({ weekly: { mon: [["9:00", "17:00"]] } }),
      "hosts.0.weekly.mon.0.0: must be a wall time HH:MM",
    ],
    [
      "overlapping weekly intervals",
      withHost({
        weekly: {
          mon: [
            ["09:00", "12:00"],
            ["11:00", "14:00"],
          ],
        },
      }),
      "hosts.0.weekly.mon.1: mon 11:00-14:00 overlaps mon 09:00-12:00",
    ],
    [
      "a night interval overlapping the next morning",
      withHost({ weekly: { mon: [["22:00", "03:00"]], tue: [["02:00", "05:00"]] } }),
      "hosts.0.weekly.tue.0: tue 02:00-05:00 overlaps mon 22:00-03:00",
    ],
    [
      "Sunday night overlapping Monday morning",
      withHost({ weekly: { sun: [["22:00", "03:00"]], mon: [["01:00", "05:00"]] } }),
      "hosts.0.weekly.mon.0: mon 01:00-05:00 overlaps sun 22:00-03:00",
    ],
    [
      "unknown weekday",
      withHost({ weekly: { monday: [["09:00", "17:00"]] } }),
      "hosts.0.weekly: Unrecognized key",
    ],
    [
      "empty interval",
      withHost({ weekly: { mon: [["09:00", "09:00"]] } }),
      "hosts.0.weekly.mon.0.1: end equals start",
    ],
    [
      "overlapping override intervals",
      withHost({
        overrides: [
          {
            date: "2030-03-13",
            intervals: [
              ["10:00", "14:00"],
              ["13:00", "15:00"],
            ],
          },
        ],
      }),
      "hosts.0.overrides.0.intervals.1: 13:00-15:00 overlaps 10:00-14:00",
    ],
    [
      "duplicate override date",
      withHost({
        overrides: [
          { date: "2030-03-13", intervals: [] },
          { date: "2030-03-13", intervals: [] },
        ],
      }),
      "hosts.0.overrides.1.date: duplicate override for 2030-03-13",
    ],
    ["zero duration", withEventType({ durationMinutes: 0 }), "eventType.durationMinutes:"],
    ["unknown mode", withEventType({ mode: "any" }), "eventType.mode:"],
    [
      "single mode with two hosts",
      { ...issueExample, hosts: [host, { ...host, id: "h2" }] },
      "hosts: mode single needs exactly one host",
    ],
    [
      "duplicate host ids",
      { ...withEventType({ mode: "collective" }), hosts: [host, host] },
      "hosts.1.id: duplicate host id",
    ],
    [
      "step not a multiple of the alignment",
      withEventType({ startAlignmentMinutes: 20 }),
      "eventType.stepMinutes:",
    ],
    [
      "fixed horizon ending before it starts",
      withEventType({ horizon: { type: "fixed", startDate: "2030-03-10", endDate: "2030-03-01" } }),
      "eventType.horizon.endDate: endDate must not be before startDate",
    ],
    [
      "unknown busy status",
      withHost({ busy: [{ ...host.busy[0], status: "maybe" }] }),
      "hosts.0.busy.0.status:",
    ],
    [
      "a busy time in text that is no instant",
      withHost({ busy: [{ ...host.busy[0], start: "yesterday" }] }),
      "hosts.0.busy.0.start: must be an ISO 8601 date-time with a zone, such as 2030-03-01T09:00:00Z",
    ],
    [
      "a busy time that is neither text nor a number",
      withHost({ busy: [{ ...host.busy[0], start: true }] }),
      "hosts.0.busy.0.start: must be an ISO 8601 date-time with a zone (such as 2030-03-01T09:00:00Z) or epoch milliseconds",
    ],
    [
      "epoch milliseconds with the end before the start",
      withHost({ busy: [{ start: Date.UTC(2030, 2, 4, 9), end: Date.UTC(2030, 2, 4, 8), source: "x" }] }),
      "hosts.0.busy.0.end: end must be after start",
    ],
    [
      "range longer than a year",
      { ...issueExample, range: { from: "2030-01-01T00:00:00Z", to: "2031-06-01T00:00:00Z" } },
      "range.to: range longer than 366 days",
    ],
  ])("rejects %s, naming the field", (_name, input, message) => {
    const result = parseAvailabilityRequest(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain(message);
  });
});
