import { describe, expect, it } from "vitest";
import { mapGraphEvent } from "./graph-mapper.ts";

const meeting = {
  id: "AAMk-7",
  start: { dateTime: "2030-01-08T17:00:00.0000000", timeZone: "UTC" },
  end: { dateTime: "2030-01-08T18:00:00.0000000", timeZone: "UTC" },
  showAs: "tentative",
  subject: "Design review",
  originalStartTimeZone: "W. Europe Standard Time",
  location: { displayName: "Conf Room Adams" },
  organizer: { emailAddress: { name: "Megan Bowen", address: "Megan@Contoso.com" } },
  onlineMeeting: { joinUrl: "https://teams.microsoft.com/l/meetup-join/abc" },
  attendees: [
    { type: "required", emailAddress: { address: "adele@contoso.com" } },
    { type: "optional", emailAddress: { address: "alex@contoso.com" } },
    { type: "resource", emailAddress: { address: "adams@contoso.com" } },
  ],
};

const detailsOf = (item: ReturnType<typeof mapGraphEvent>) =>
  item.kind === "upsert" ? item.interval.details : "not an upsert";

describe("mapGraphEvent: details for the agenda (import on)", () => {
  it("reads title, location, the event's zone, organizer, people (not rooms), meeting link and show-as", () => {
    expect(detailsOf(mapGraphEvent(meeting, { details: true }))).toEqual({
      title: "Design review",
      location: "Conf Room Adams",
      timeZone: "Europe/Berlin",
      organizer: "megan@contoso.com",
      attendeeCount: 2,
      onlineMeetingUrl: "https://teams.microsoft.com/l/meetup-join/abc",
      showAs: "tentative",
      ours: null,
    });
  });

  it("gives no details unless asked, and drops free events then (they are kept as free with details)", () => {
    expect(detailsOf(mapGraphEvent(meeting))).toBeUndefined();
    expect(mapGraphEvent({ ...meeting, showAs: "free" })).toEqual({ kind: "remove", ref: "AAMk-7" });
    const free = mapGraphEvent({ ...meeting, showAs: "workingElsewhere" }, { details: true });
    expect(free).toMatchObject({
      kind: "upsert",
      interval: { status: "free", details: { showAs: "working_elsewhere" } },
    });
  });

  it("marks our copies and hides a private event's subject, location and link", () => {
    const managed = mapGraphEvent(
      { ...meeting, transactionId: "calbridge-me-0f8fad5b-d9cb-469f-a165-70867728950e-c1" },
      { details: true },
    );
    expect(detailsOf(managed)).toMatchObject({ ours: "managed_event" });
    const booking = mapGraphEvent(
      { ...meeting, transactionId: "calbridge-0f8fad5b-d9cb-469f-a165-70867728950e-0a1b2c3d" },
      { details: true },
    );
    expect(detailsOf(booking)).toMatchObject({ ours: "booking" });
    expect(detailsOf(mapGraphEvent({ ...meeting, sensitivity: "private" }, { details: true }))).toMatchObject(
      {
        title: null,
        location: null,
        onlineMeetingUrl: null,
        organizer: "megan@contoso.com",
      },
    );
  });

  it("keeps an all-day event's zone null and an unknown zone label as given", () => {
    const allDay = mapGraphEvent(
      {
        ...meeting,
        isAllDay: true,
        start: { dateTime: "2030-01-15T00:00:00.0000000", timeZone: "UTC" },
        end: { dateTime: "2030-01-16T00:00:00.0000000", timeZone: "UTC" },
      },
      { details: true },
    );
    expect(detailsOf(allDay)).toMatchObject({ timeZone: null });
    const custom = mapGraphEvent(
      { ...meeting, originalStartTimeZone: "Customized Time Zone" },
      { details: true },
    );
    expect(detailsOf(custom)).toMatchObject({ timeZone: "Customized Time Zone" });
  });
});
