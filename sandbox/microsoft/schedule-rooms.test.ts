import { describe, expect, it } from "vitest";
import { field, type GraphFetch, graphClient, type Json, valuesOf, withSandbox } from "./test-session.ts";
import { signIn } from "./test-sign-in.ts";

const fx = withSandbox({ accounts: ["adele@contoso.com"] });
const adele: GraphFetch = (path, init) => fx.as("adele@contoso.com")(path, init);

function schedule(schedules: string[], start: string, end: string, interval = 60) {
  return adele("/me/calendar/getSchedule", {
    method: "POST",
    headers: { prefer: 'outlook.timezone="Pacific Standard Time"' },
    body: {
      schedules,
      startTime: { dateTime: start, timeZone: "Pacific Standard Time" },
      endTime: { dateTime: end, timeZone: "Pacific Standard Time" },
      availabilityViewInterval: interval,
    },
  });
}

describe("getSchedule", () => {
  it("builds availabilityView, scheduleItems and workingHours, with per-schedule errors inside a 200", async () => {
    const response = await schedule(
      ["adele@contoso.com", "alex@contoso.com", "nobody@contoso.com"],
      "2030-01-09T08:00:00",
      "2030-01-09T17:00:00",
    );
    expect(response.status).toBe(200);
    const [adele9, alex9, nobody] = valuesOf(response);
    // 08-09 free, 09-10 stand-up (busy), 10-15 free, 15-16 dentist (tentative), 16-17 free.
    expect(adele9?.availabilityView).toBe("020000010");
    const items = adele9?.scheduleItems as Json[];
    expect(items.map((item) => item.status)).toEqual(["busy", "tentative"]);
    expect(items[1]).toMatchObject({ subject: "Dentist (to be confirmed)", isPrivate: false });
    expect(items[0]?.start).toEqual({
      dateTime: "2030-01-09T09:00:00.0000000",
      timeZone: "Pacific Standard Time",
    });
    expect(field(adele9, "workingHours", "timeZone", "name")).toBe("Pacific Standard Time");
    // Alex works elsewhere all day (4); the all-day item spans the whole window.
    expect(alex9?.availabilityView).toBe("444444444");
    expect(nobody).toMatchObject({
      scheduleId: "nobody@contoso.com",
      error: { responseCode: "ErrorMailRecipientNotFound" },
    });
  });

  it("hides subject and location of private items and validates the interval", async () => {
    const response = await schedule(["alex@contoso.com"], "2030-01-08T09:00:00", "2030-01-08T12:00:00", 30);
    const items = valuesOf(response)[0]?.scheduleItems as Json[];
    expect(items[0]).toEqual({ status: "busy", start: expect.any(Object), end: expect.any(Object) });
    expect(valuesOf(response)[0]?.availabilityView).toBe("002200");
    expect(
      (await schedule(["alex@contoso.com"], "2030-01-08T09:00:00", "2030-01-08T12:00:00", 2)).status,
    ).toBe(400);
  });

  it("is not available to personal accounts", async () => {
    const sam = graphClient(
      fx.sandbox.url,
      (await signIn({ url: fx.sandbox.url, account: "sam.taylor@outlook.com" })).access_token,
    );
    const response = await sam("/me/calendar/getSchedule", {
      method: "POST",
      body: {
        schedules: ["sam.taylor@outlook.com"],
        startTime: { dateTime: "2030-01-08T09:00:00", timeZone: "UTC" },
        endTime: { dateTime: "2030-01-08T12:00:00", timeZone: "UTC" },
      },
    });
    expect(response.status).toBe(400);
  });
});

describe("rooms", () => {
  it("lists rooms and room lists, and rooms in a list by its email", async () => {
    const rooms = valuesOf(await adele("/places/microsoft.graph.room"));
    expect(rooms.map((room) => room.emailAddress)).toEqual(["adams@contoso.com", "baker@contoso.com"]);
    expect(rooms[0]).toMatchObject({ displayName: "Conf Room Adams", capacity: 8, bookingType: "standard" });
    const lists = valuesOf(await adele("/places/microsoft.graph.roomlist"));
    expect(lists).toEqual([
      expect.objectContaining({ emailAddress: "building1@contoso.com", displayName: "Building 1 Rooms" }),
    ]);
    const inList = valuesOf(
      await adele("/places/building1@contoso.com/microsoft.graph.roomlist/rooms?$top=1"),
    );
    expect(inList).toHaveLength(1);
    const noConsent = graphClient(
      fx.sandbox.url,
      (await signIn({ url: fx.sandbox.url, account: "megan@contoso.com", scope: "openid Calendars.Read" }))
        .access_token,
    );
    expect((await noConsent("/places/microsoft.graph.room")).status).toBe(403);
  });

  it("room mailboxes answer getSchedule and accept a free slot but decline a busy one", async () => {
    const busy = await schedule(["adams@contoso.com"], "2030-01-08T13:00:00", "2030-01-08T16:00:00");
    expect(valuesOf(busy)[0]?.availabilityView).toBe("020");
    const book = (subject: string, start: string, end: string) =>
      adele("/me/events", {
        method: "POST",
        body: {
          subject,
          start: { dateTime: start, timeZone: "Pacific Standard Time" },
          end: { dateTime: end, timeZone: "Pacific Standard Time" },
          location: { displayName: "Conf Room Adams", locationEmailAddress: "adams@contoso.com" },
          attendees: [
            { type: "resource", emailAddress: { address: "adams@contoso.com", name: "Conf Room Adams" } },
          ],
        },
      });
    const accepted = await book("Room ok", "2030-01-08T09:30:00", "2030-01-08T10:30:00");
    expect(field(accepted.body, "attendees", "0", "status", "response")).toBe("accepted");
    const declined = await book("Room clash", "2030-01-08T14:30:00", "2030-01-08T15:30:00");
    expect(field(declined.body, "attendees", "0", "status", "response")).toBe("declined");
    const after = await schedule(["adams@contoso.com"], "2030-01-08T09:00:00", "2030-01-08T16:00:00");
    expect(valuesOf(after)[0]?.availabilityView).toBe("2200020");
  });
});
