import { describe, expect, it } from "vitest";
import { googleEventIdOf } from "./google-event-writes.ts";
import { mapGoogleEvent } from "./google-mapper.ts";

const timed = (extra: Record<string, unknown> = {}) => ({
  id: "ev1",
  etag: '"3485815948352798"',
  status: "confirmed",
  start: { dateTime: "2030-01-09T10:00:00+01:00" },
  end: { dateTime: "2030-01-09T10:45:00+01:00" },
  ...extra,
});

describe("mapGoogleEvent", () => {
  it.each([
    ["an opaque event blocks", {}, "busy"],
    ["a tentative event blocks as tentative", { status: "tentative" }, "tentative"],
    [
      "the account's tentative answer",
      { attendees: [{ email: "a@x", self: true, responseStatus: "tentative" }] },
      "tentative",
    ],
    ["out of office", { eventType: "outOfOffice" }, "out_of_office"],
    ["focus time blocks", { eventType: "focusTime" }, "busy"],
    [
      "someone else's decline does not matter",
      { attendees: [{ email: "b@x", responseStatus: "declined" }] },
      "busy",
    ],
  ])("%s", (_, extra, status) => {
    const item = mapGoogleEvent(timed(extra), "Europe/Berlin");
    expect(item).toMatchObject({
      kind: "upsert",
      interval: { status, sourceRef: "ev1", etag: '"3485815948352798"' },
    });
    if (item.kind === "upsert") expect(item.interval.start.toISOString()).toBe("2030-01-09T09:00:00.000Z");
  });

  it.each([
    ["transparent", { transparency: "transparent" }],
    ["declined by the account", { attendees: [{ email: "a@x", self: true, responseStatus: "declined" }] }],
    ["working location", { eventType: "workingLocation" }],
  ])("%s does not block (its row is removed)", (_, extra) => {
    expect(mapGoogleEvent(timed(extra), "Europe/Berlin")).toEqual({
      kind: "remove",
      ref: "ev1",
      series: false,
    });
  });

  it("keeps our own event as free when the host marks it free, with its booking id", () => {
    const booking = "0f8fad5b-d9cb-469f-a165-70867728950e";
    const item = mapGoogleEvent(
      timed({
        transparency: "transparent",
        extendedProperties: { private: { calbridgeBookingId: booking } },
      }),
      "UTC",
    );
    expect(item).toMatchObject({ kind: "upsert", interval: { status: "free", bookingId: booking } });
  });

  it("keeps a managed event's transparent copy as free (its id is our write key); drops another transparent event", () => {
    const id = googleEventIdOf("calbridge-me-0f8fad5b-d9cb-469f-a165-70867728950e-0a1b2c3d");
    expect(mapGoogleEvent(timed({ id, transparency: "transparent" }), "UTC")).toMatchObject({
      kind: "upsert",
      interval: { status: "free", sourceRef: id },
    });
    expect(mapGoogleEvent(timed({ transparency: "transparent" }), "UTC")).toMatchObject({ kind: "remove" });
  });

  it("removes cancelled items: an instance alone, a deleted event or series with its instances", () => {
    expect(
      mapGoogleEvent({ id: "s_20300114T170000Z", status: "cancelled", recurringEventId: "s" }, "UTC"),
    ).toEqual({
      kind: "remove",
      ref: "s_20300114T170000Z",
      series: false,
    });
    expect(mapGoogleEvent({ id: "s", status: "cancelled" }, "UTC")).toEqual({
      kind: "remove",
      ref: "s",
      series: true,
    });
  });

  it("turns all-day dates into the calendar's days (end exclusive)", () => {
    const item = mapGoogleEvent(
      { id: "ski", start: { date: "2030-02-15" }, end: { date: "2030-02-18" } },
      "Europe/Berlin",
    );
    expect(item.kind).toBe("upsert");
    if (item.kind !== "upsert") return;
    expect(item.interval.start.toISOString()).toBe("2030-02-14T23:00:00.000Z");
    expect(item.interval.end.toISOString()).toBe("2030-02-17T23:00:00.000Z");
    expect(item.interval.allDay).toBeUndefined();
  });

  it("keeps the dates of an all-day event whose calendar zone is unknown", () => {
    const item = mapGoogleEvent(
      { id: "d", start: { date: "2030-02-15" }, end: { date: "2030-02-16" } },
      undefined,
    );
    expect(item).toMatchObject({
      kind: "upsert",
      interval: { allDay: { startDate: "2030-02-15", endDate: "2030-02-16" } },
    });
  });

  it("marks instances with their series and refuses unreadable items", () => {
    expect(mapGoogleEvent(timed({ id: "s_1", recurringEventId: "s" }), "UTC")).toMatchObject({
      interval: { seriesRef: "s" },
    });
    expect(mapGoogleEvent(timed({ end: { dateTime: "nonsense" } }), "UTC")).toEqual({
      kind: "invalid",
      ref: "ev1",
    });
    expect(mapGoogleEvent({ nothing: true }, "UTC")).toEqual({ kind: "invalid", ref: undefined });
  });

  it("carries the answers of rooms and invitees on our own events only, in the bookings' vocabulary", () => {
    const attendees = [
      { email: "bob@northwind.example", self: true, organizer: true, responseStatus: "accepted" },
      { email: "Ana@Example.org", responseStatus: "tentative" },
      { email: "c_room@resource.calendar.google.com", resource: true, responseStatus: "declined" },
      { email: "eve@example.org" },
    ];
    const booking = "0f6f1c2e-3a4b-4c5d-8e9f-0a1b2c3d4e5f";
    const ours = mapGoogleEvent(
      timed({ attendees, extendedProperties: { private: { calbridgeBookingId: booking } } }),
      "UTC",
    );
    expect(ours).toMatchObject({
      kind: "upsert",
      interval: {
        bookingId: booking,
        rooms: [{ email: "c_room@resource.calendar.google.com", response: "declined" }],
        attendees: [
          { email: "ana@example.org", response: "tentativelyAccepted" },
          { email: "eve@example.org", response: "none" },
        ],
      },
    });
    const theirs = mapGoogleEvent(timed({ attendees }), "UTC");
    expect(theirs.kind === "upsert" && (theirs.interval.rooms ?? theirs.interval.attendees)).toBeFalsy();
  });
});
