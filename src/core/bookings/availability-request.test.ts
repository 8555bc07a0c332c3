import { describe, expect, it } from "vitest";
import { computeEpochSlots } from "../availability/compute-slots.ts";
import { explainInstant } from "../availability/explain.ts";
import {
  buildAvailabilityRequest,
  calendarsAsOfMs,
  type HostAvailabilityData,
} from "./availability-request.ts";

const HOUR = 3_600_000;
const now = new Date("2030-03-04T06:00:00Z");
const range = { from: new Date("2030-03-04T00:00:00Z"), to: new Date("2030-03-05T00:00:00Z") };

function host(calendarsSyncedAtMs?: Array<number | null>): HostAvailabilityData {
  return {
    hostId: "h1",
    hostTimeZone: "UTC",
    schedule: { timeZone: "UTC", weekly: { mon: [["09:00", "12:00"]] }, overrides: [], outOfOffice: [] },
    bookings: [],
    busy: [],
    ...(calendarsSyncedAtMs ? { calendarsSyncedAtMs } : {}),
  };
}

function request(
  h: HostAvailabilityData,
  freshness?: Parameters<typeof buildAvailabilityRequest>[0]["freshness"],
) {
  return buildAvailabilityRequest({
    range,
    now,
    inviteeTimeZone: "UTC",
    durationMinutes: 60,
    mode: "single",
    rules: { bufferBeforeMinutes: 0, bufferAfterMinutes: 0, minimumNoticeMinutes: 0 },
    hosts: [h],
    ...(freshness ? { freshness } : {}),
  });
}

const hours = (h: HostAvailabilityData, freshness?: Parameters<typeof request>[1]) =>
  computeEpochSlots(request(h, freshness)).map((slot) => new Date(slot.startMs).toISOString().slice(11, 16));

describe("calendar freshness (fail closed)", () => {
  it("offers a host without calendars, or with calendars synced recently", () => {
    expect(hours(host())).toEqual(["09:00", "10:00", "11:00"]);
    expect(hours(host([now.getTime() - 5 * 60_000, now.getTime() - 60_000]))).toEqual([
      "09:00",
      "10:00",
      "11:00",
    ]);
  });

  it("leaves a host out while one of its calendars is stale or has never synced, and explain says why", () => {
    const stale = host([now.getTime() - 60_000, now.getTime() - 2 * HOUR]);
    expect(hours(stale)).toEqual([]);
    const why = explainInstant(request(stale), "2030-03-04T09:00:00Z");
    expect(why.bookable).toBe(false);
    expect(why.bookable ? [] : why.reasons).toEqual([
      expect.objectContaining({
        code: "calendar_unavailable",
        message: expect.stringMatching(/has not synced since 2030-03-04T04:00:00/),
      }),
    ]);
    expect(hours(host([null]))).toEqual([]);
  });

  it("trusts stale calendars with the ignore policy", () => {
    const stale = host([now.getTime() - 2 * HOUR]);
    expect(hours(stale, { staleAfterMs: 30 * 60_000, stale: "ignore", windowDays: 366 })).toEqual([
      "09:00",
      "10:00",
      "11:00",
    ]);
  });

  it("never offers time beyond how far ahead the calendars were synced", () => {
    // Synced 10 days ahead, 2030-02-22T10:30Z + 10 days = 2030-03-04T10:30Z: only 09:00 fits before it.
    const synced = Date.parse("2030-02-22T10:30:00Z");
    expect(hours(host([synced]), { staleAfterMs: 400 * 24 * HOUR, stale: "block", windowDays: 10 })).toEqual([
      "09:00",
    ]);
  });

  it("offers nothing past the end of the calendars' last listing (a horizon lengthened since), and explain says why", () => {
    // Synced a minute ago (fresh) over a window that ended at 10:30 today: the horizon has grown past it since.
    const fresh = host([now.getTime() - 60_000]);
    const listed = { ...fresh, calendarsSyncedUntilMs: Date.parse("2030-03-04T10:30:00Z") };
    expect(hours(listed)).toEqual(["09:00"]);
    const why = explainInstant(request(listed), "2030-03-04T11:00:00Z");
    expect(why.bookable ? [] : why.reasons).toEqual([
      expect.objectContaining({
        code: "calendar_unavailable",
        message: expect.stringMatching(/beyond 2030-03-04T10:30:00.*last sync ended/),
      }),
    ]);
    // Once a sync has listed the longer window, the time is offered again.
    expect(hours({ ...fresh, calendarsSyncedUntilMs: Date.parse("2030-06-01T00:00:00Z") })).toEqual([
      "09:00",
      "10:00",
      "11:00",
    ]);
  });

  it("reports the oldest sync of a host's calendars", () => {
    expect(calendarsAsOfMs(host())).toBeUndefined();
    expect(calendarsAsOfMs(host([5, 3, 9]))).toBe(3);
    expect(calendarsAsOfMs(host([5, null]))).toBeNull();
  });
});
