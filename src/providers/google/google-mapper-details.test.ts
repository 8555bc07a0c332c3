import { describe, expect, it } from "vitest";
import { mapGoogleEvent } from "./google-mapper.ts";

const meeting = {
  id: "evt1",
  status: "confirmed",
  summary: "Planning",
  location: "Room 2",
  start: { dateTime: "2030-01-08T10:00:00+01:00", timeZone: "Europe/Berlin" },
  end: { dateTime: "2030-01-08T11:00:00+01:00", timeZone: "Europe/Berlin" },
  organizer: { email: "Ana@Example.org", displayName: "Ana" },
  attendees: [
    { email: "ana@example.org", responseStatus: "accepted" },
    { email: "bo@example.org", self: true, responseStatus: "accepted" },
    { email: "room@resource.calendar.google.com", resource: true, responseStatus: "accepted" },
  ],
  conferenceData: { entryPoints: [{ entryPointType: "video", uri: "https://meet.google.com/abc-defg-hij" }] },
};

const detailsOf = (item: ReturnType<typeof mapGoogleEvent>) =>
  item.kind === "upsert" ? item.interval.details : "not an upsert";

describe("mapGoogleEvent: details for the agenda (import on)", () => {
  it("reads summary, location, the event's zone, organizer, people (not rooms), Meet link and show-as", () => {
    expect(detailsOf(mapGoogleEvent(meeting, "Europe/Berlin", { details: true }))).toEqual({
      title: "Planning",
      location: "Room 2",
      timeZone: "Europe/Berlin",
      organizer: "ana@example.org",
      attendeeCount: 2,
      onlineMeetingUrl: "https://meet.google.com/abc-defg-hij",
      showAs: "busy",
      ours: null,
    });
  });

  it("gives no details unless asked; with details a transparent event is kept as free", () => {
    expect(detailsOf(mapGoogleEvent(meeting, "Europe/Berlin"))).toBeUndefined();
    const transparent = { ...meeting, transparency: "transparent" };
    expect(mapGoogleEvent(transparent, "Europe/Berlin")).toMatchObject({ kind: "remove" });
    expect(mapGoogleEvent(transparent, "Europe/Berlin", { details: true })).toMatchObject({
      kind: "upsert",
      interval: { status: "free", details: { showAs: "free" } },
    });
  });

  it("marks our copies, hides a private event's summary, and gives an all-day event no zone", () => {
    const booking = mapGoogleEvent(
      {
        ...meeting,
        extendedProperties: { private: { calbridgeBookingId: "0f8fad5b-d9cb-469f-a165-70867728950e" } },
      },
      "Europe/Berlin",
      { details: true },
    );
    expect(detailsOf(booking)).toMatchObject({ ours: "booking" });
    const managed = mapGoogleEvent({ ...meeting, id: "calbridgeme0f8fad5bd9cb" }, "Europe/Berlin", {
      details: true,
    });
    expect(detailsOf(managed)).toMatchObject({ ours: "managed_event" });
    const hidden = mapGoogleEvent({ ...meeting, visibility: "private" }, "Europe/Berlin", { details: true });
    expect(detailsOf(hidden)).toMatchObject({ title: null, location: null, onlineMeetingUrl: null });
    const allDay = mapGoogleEvent(
      { ...meeting, start: { date: "2030-01-15" }, end: { date: "2030-01-16" } },
      "Europe/Berlin",
      { details: true },
    );
    expect(detailsOf(allDay)).toMatchObject({ timeZone: null, title: "Planning" });
  });
});
