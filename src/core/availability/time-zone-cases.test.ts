import { describe, expect, it } from "vitest";
import { computeSlots } from "./compute-slots.ts";
import type { AvailabilityHost } from "./request-schema.ts";
import { buildHost, buildRequest } from "./testing/request-builder.ts";

/**
 * Wall-clock hours to UTC slots in zones with DST changes, half-hour and 45-minute offsets, a 30-minute
 * DST shift and abolished DST. Expected instants are worked out by hand from the zone rules (tzdata).
 */
interface ZoneCase {
  name: string;
  timeZone: string;
  weekly: AvailabilityHost["weekly"];
  from: string;
  to: string;
  durationMinutes: number;
  starts: string[];
}

const cases: ZoneCase[] = [
  {
    name: "Berlin spring forward: a working night is an hour shorter",
    timeZone: "Europe/Berlin",
    weekly: { sun: [["01:00", "04:00"]] },
    from: "2030-03-30T12:00:00Z",
    to: "2030-03-31T12:00:00Z",
    durationMinutes: 60,
    // 01:00 CET = 00:00Z, 04:00 CEST = 02:00Z: two real hours.
    starts: ["2030-03-31T00:00:00Z", "2030-03-31T01:00:00Z"],
  },
  {
    name: "Berlin spring forward: a start inside the gap moves forward by the gap",
    timeZone: "Europe/Berlin",
    weekly: { sun: [["02:30", "04:00"]] },
    from: "2030-03-30T12:00:00Z",
    to: "2030-03-31T12:00:00Z",
    durationMinutes: 30,
    // 02:30 does not exist; it becomes 03:30 CEST = 01:30Z.
    starts: ["2030-03-31T01:30:00Z"],
  },
  {
    name: "Berlin spring forward: hours entirely inside the gap are empty",
    timeZone: "Europe/Berlin",
    weekly: { sun: [["02:00", "03:00"]] },
    from: "2030-03-30T12:00:00Z",
    to: "2030-03-31T12:00:00Z",
    durationMinutes: 15,
    starts: [],
  },
  {
    name: "Berlin fall back: a working night is an hour longer",
    timeZone: "Europe/Berlin",
    weekly: { sun: [["01:00", "04:00"]] },
    from: "2030-10-26T12:00:00Z",
    to: "2030-10-27T12:00:00Z",
    durationMinutes: 60,
    // 01:00 CEST = 23:00Z (Saturday), 04:00 CET = 03:00Z: four real hours.
    starts: ["2030-10-26T23:00:00Z", "2030-10-27T00:00:00Z", "2030-10-27T01:00:00Z", "2030-10-27T02:00:00Z"],
  },
  {
    name: "Berlin fall back: an ambiguous start takes the earlier offset",
    timeZone: "Europe/Berlin",
    weekly: { sun: [["02:30", "03:30"]] },
    from: "2030-10-26T12:00:00Z",
    to: "2030-10-27T12:00:00Z",
    durationMinutes: 60,
    // 02:30 CEST (first occurrence) = 00:30Z; 03:30 CET = 02:30Z.
    starts: ["2030-10-27T00:30:00Z", "2030-10-27T01:30:00Z"],
  },
  {
    name: "New York spring forward: the working day after the change keeps its wall-clock hours",
    timeZone: "America/New_York",
    weekly: { fri: [["09:00", "10:00"]], mon: [["09:00", "10:00"]] },
    from: "2030-03-08T00:00:00Z",
    to: "2030-03-12T00:00:00Z",
    durationMinutes: 60,
    starts: ["2030-03-08T14:00:00Z", "2030-03-11T13:00:00Z"],
  },
  {
    name: "an interval past midnight across the DST change (New York, Saturday 22:00 to Sunday 06:00)",
    timeZone: "America/New_York",
    weekly: { sat: [["22:00", "06:00"]] },
    from: "2030-03-09T00:00:00Z",
    to: "2030-03-11T00:00:00Z",
    durationMinutes: 420,
    // 22:00 EST = 03:00Z; 06:00 EDT = 10:00Z: seven real hours, one 7-hour slot.
    starts: ["2030-03-10T03:00:00Z"],
  },
  {
    name: "Asia/Kolkata (+05:30)",
    timeZone: "Asia/Kolkata",
    weekly: { mon: [["09:00", "10:00"]] },
    from: "2030-03-03T00:00:00Z",
    to: "2030-03-05T00:00:00Z",
    durationMinutes: 30,
    starts: ["2030-03-04T03:30:00Z", "2030-03-04T04:00:00Z"],
  },
  {
    name: "Asia/Kathmandu (+05:45)",
    timeZone: "Asia/Kathmandu",
    weekly: { mon: [["09:00", "10:00"]] },
    from: "2030-03-03T00:00:00Z",
    to: "2030-03-05T00:00:00Z",
    durationMinutes: 30,
    starts: ["2030-03-04T03:15:00Z", "2030-03-04T03:45:00Z"],
  },
  {
    name: "Pacific/Chatham in summer time (+13:45): Monday morning is Sunday in UTC",
    timeZone: "Pacific/Chatham",
    weekly: { mon: [["09:00", "10:00"]] },
    from: "2030-03-02T00:00:00Z",
    to: "2030-03-05T00:00:00Z",
    durationMinutes: 30,
    starts: ["2030-03-03T19:15:00Z", "2030-03-03T19:45:00Z"],
  },
  {
    name: "Pacific/Chatham end of summer time (03:45 +13:45 becomes 02:45 +12:45)",
    timeZone: "Pacific/Chatham",
    weekly: { sun: [["02:00", "05:00"]] },
    from: "2030-04-05T00:00:00Z",
    to: "2030-04-08T00:00:00Z",
    durationMinutes: 60,
    // 02:00 +13:45 = Saturday 12:15Z; 05:00 +12:45 = 16:15Z: four real hours.
    starts: ["2030-04-06T12:15:00Z", "2030-04-06T13:15:00Z", "2030-04-06T14:15:00Z", "2030-04-06T15:15:00Z"],
  },
  {
    name: "Australia/Lord_Howe end of summer time: a 30-minute shift (02:00 +11 becomes 01:30 +10:30)",
    timeZone: "Australia/Lord_Howe",
    weekly: { sun: [["01:00", "03:00"]] },
    from: "2030-04-05T00:00:00Z",
    to: "2030-04-08T00:00:00Z",
    durationMinutes: 30,
    // 01:00 +11 = Saturday 14:00Z; 03:00 +10:30 = 16:30Z: two and a half real hours.
    starts: [
      "2030-04-06T14:00:00Z",
      "2030-04-06T14:30:00Z",
      "2030-04-06T15:00:00Z",
      "2030-04-06T15:30:00Z",
      "2030-04-06T16:00:00Z",
    ],
  },
  {
    name: "Australia/Lord_Howe: an ambiguous half hour takes the earlier offset",
    timeZone: "Australia/Lord_Howe",
    weekly: { sun: [["01:45", "02:15"]] },
    from: "2030-04-05T00:00:00Z",
    to: "2030-04-08T00:00:00Z",
    durationMinutes: 30,
    // 01:45 happens twice; first at +11 = 14:45Z. 02:15 +10:30 = 15:45Z: an hour of real time.
    starts: ["2030-04-06T14:45:00Z", "2030-04-06T15:15:00Z"],
  },
  {
    name: "America/Sao_Paulo keeps -03:00 in November (DST abolished in 2019)",
    timeZone: "America/Sao_Paulo",
    weekly: { mon: [["09:00", "10:00"]] },
    from: "2030-11-04T00:00:00Z",
    to: "2030-11-05T00:00:00Z",
    durationMinutes: 60,
    starts: ["2030-11-04T12:00:00Z"],
  },
  {
    name: "America/Sao_Paulo keeps -03:00 in January",
    timeZone: "America/Sao_Paulo",
    weekly: { mon: [["09:00", "10:00"]] },
    from: "2030-01-07T00:00:00Z",
    to: "2030-01-08T00:00:00Z",
    durationMinutes: 60,
    starts: ["2030-01-07T12:00:00Z"],
  },
];

describe("time-zone cases", () => {
  it.each(cases)("$name", ({ timeZone, weekly, from, to, durationMinutes, starts }) => {
    const request = buildRequest({
      from,
      to,
      now: "2030-01-01T00:00:00Z",
      eventType: { durationMinutes },
      hosts: [buildHost({ timeZone, weekly })],
    });
    expect(computeSlots(request).map((slot) => slot.start)).toEqual(starts);
  });
});
