import type { calendar_v3 } from "@googleapis/calendar";
import { beforeEach, describe, expect, it } from "vitest";
import { ALICE, BOB, CAROL } from "./test-accounts.ts";
import { googleFailure } from "./test-calendar-client.ts";
import { useGoogleSandbox } from "./test-fixture.ts";

const fixture = useGoogleSandbox({ accounts: [BOB, CAROL, ALICE] });
let bob: calendar_v3.Calendar;
let carol: calendar_v3.Calendar;
beforeEach(() => {
  bob = fixture.client(BOB);
  carol = fixture.client(CAROL);
});

const planning: calendar_v3.Schema$Event = {
  summary: "Roadmap review",
  start: { dateTime: "2030-02-05T10:00:00-05:00" },
  end: { dateTime: "2030-02-05T11:00:00-05:00" },
  attendees: [{ email: BOB }, { email: CAROL }, { email: ALICE }],
};

async function carolsCopy(id: string): Promise<calendar_v3.Schema$Event> {
  return (await carol.events.get({ calendarId: "primary", eventId: id })).data;
}

describe("invitations between sandbox accounts", () => {
  it("puts a copy with the same id and iCalUID in each guest's primary calendar", async () => {
    const { data: created } = await bob.events.insert({ calendarId: "primary", requestBody: planning });
    const copy = await carolsCopy(created.id!);
    expect(copy).toMatchObject({
      iCalUID: created.iCalUID,
      summary: "Roadmap review",
      organizer: { email: BOB },
    });
    expect(copy.organizer?.self).toBeUndefined();
    expect(copy.attendees?.find((attendee) => attendee.self)).toMatchObject({
      email: CAROL,
      responseStatus: "needsAction",
    });
    const busy = await carol.freebusy.query({
      requestBody: {
        timeMin: "2030-02-05T00:00:00Z",
        timeMax: "2030-02-06T00:00:00Z",
        items: [{ id: "primary" }],
      },
    });
    expect(busy.data.calendars?.primary?.busy).toEqual([
      { start: "2030-02-05T15:00:00Z", end: "2030-02-05T16:00:00Z" },
    ]);
  });

  it("carries a guest's reply to the organizer and keeps it when the organizer edits", async () => {
    const { data: created } = await bob.events.insert({ calendarId: "primary", requestBody: planning });
    const mine = await carolsCopy(created.id!);
    await carol.events.patch({
      calendarId: "primary",
      eventId: created.id!,
      requestBody: {
        attendees: mine.attendees?.map((attendee) =>
          attendee.email === CAROL ? { ...attendee, responseStatus: "accepted" } : attendee,
        ),
      },
    });
    const organizerView = (await bob.events.get({ calendarId: "primary", eventId: created.id! })).data;
    expect(organizerView.attendees?.find((attendee) => attendee.email === CAROL)?.responseStatus).toBe(
      "accepted",
    );
    await bob.events.patch({
      calendarId: "primary",
      eventId: created.id!,
      requestBody: {
        start: { dateTime: "2030-02-05T14:00:00-05:00" },
        end: { dateTime: "2030-02-05T15:00:00-05:00" },
      },
    });
    const moved = await carolsCopy(created.id!);
    expect(moved.start?.dateTime).toBe("2030-02-05T14:00:00-05:00");
    expect(moved.attendees?.find((attendee) => attendee.self)?.responseStatus).toBe("accepted");
  });

  it("cancels the copy in the guest's sync stream when the guest is removed or the event deleted", async () => {
    const { data: created } = await bob.events.insert({ calendarId: "primary", requestBody: planning });
    const { data: start } = await carol.events.list({ calendarId: "primary" });
    await bob.events.patch({
      calendarId: "primary",
      eventId: created.id!,
      requestBody: { attendees: [{ email: BOB }, { email: ALICE }] },
    });
    const { data: changes } = await carol.events.list({
      calendarId: "primary",
      syncToken: start.nextSyncToken!,
    });
    expect(changes.items).toEqual([
      { kind: "calendar#event", etag: expect.any(String), id: created.id, status: "cancelled" },
    ]);
    await bob.events.delete({ calendarId: "primary", eventId: created.id! });
    const alicesCopy = await fixture
      .client(ALICE)
      .events.get({ calendarId: "primary", eventId: created.id! });
    expect(alicesCopy.data.status).toBe("cancelled");
  });

  it("refuses organizer-only changes on a guest's copy with 403 forbiddenForNonOrganizer", async () => {
    const { data: created } = await bob.events.insert({
      calendarId: "primary",
      requestBody: { ...planning, guestsCanModify: true },
    });
    const patched = await googleFailure(
      carol.events.patch({
        calendarId: "primary",
        eventId: created.id!,
        requestBody: { guestsCanInviteOthers: false },
      }),
    );
    expect([patched.status, patched.reason]).toEqual([403, "forbiddenForNonOrganizer"]);
    // A full update that leaves guestsCanModify out resets it, which a guest may not do either.
    const copy = await carolsCopy(created.id!);
    const { guestsCanModify: _dropped, ...withoutFlag } = copy;
    const updated = await googleFailure(
      carol.events.update({ calendarId: "primary", eventId: created.id!, requestBody: withoutFlag }),
    );
    expect(updated.reason).toBe("forbiddenForNonOrganizer");
    const own = await carol.events.patch({
      calendarId: "primary",
      eventId: created.id!,
      requestBody: { colorId: "5" },
    });
    expect(own.status).toBe(200);
  });
});
