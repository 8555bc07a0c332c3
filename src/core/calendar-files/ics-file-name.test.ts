import { describe, expect, it } from "vitest";
import { bookingIcsFileName } from "./ics-file-name.ts";

describe("bookingIcsFileName", () => {
  const start = "2030-03-04T23:30:00Z";
  it.each([
    [
      { method: "REQUEST", sequence: 0, timeZone: "UTC", summary: "Intro call" },
      "invite-2030-03-04-intro-call.ics",
    ],
    [
      { method: "REQUEST", sequence: 3, timeZone: "UTC", summary: "Intro call" },
      "update-2030-03-04-intro-call.ics",
    ],
    [{ method: "CANCEL", timeZone: "UTC", summary: "Intro call" }, "cancel-2030-03-04-intro-call.ics"],
    [{ method: "PUBLISH", timeZone: "UTC", summary: "Intro call" }, "event-2030-03-04-intro-call.ics"],
    // The host's local date, not the UTC one.
    [
      { method: "REQUEST", timeZone: "Europe/Berlin", summary: "Intro call" },
      "invite-2030-03-05-intro-call.ics",
    ],
    [
      { method: "REQUEST", timeZone: "UTC", summary: "Größe & Zoë: Café!" },
      "invite-2030-03-04-grosse-zoe-cafe.ics",
    ],
    [{ method: "REQUEST", timeZone: "UTC", summary: "日本語" }, "invite-2030-03-04-booking.ics"],
    [
      {
        method: "REQUEST",
        timeZone: "UTC",
        summary: "A very long meeting title that goes on and on forever",
      },
      "invite-2030-03-04-a-very-long-meeting-title-that-goes-on.ics",
    ],
  ] as const)("%j -> %s", (params, expected) => {
    expect(bookingIcsFileName({ ...params, start })).toBe(expected);
  });
});
