import { describe, expect, it } from "vitest";
import { field, type GraphFetch, valuesOf, withSandbox } from "./test-session.ts";

/** singleValueExtendedProperties: written on create/patch, returned only when expanded, searchable with Any(). */
const fx = withSandbox({ accounts: ["adele@contoso.com", "megan@contoso.com"] });
const adele: GraphFetch = (path, init) => fx.as("adele@contoso.com")(path, init);

const MARKER = "String {66f5a359-4659-4830-9070-00047ec6ac6e} Name calbridgeBookingId";
const OTHER = "String {66f5a359-4659-4830-9070-00047ec6ac6e} Name note";
const expand = `$expand=singleValueExtendedProperties($filter=id eq '${MARKER}')`;
const byMarker = (value: string) =>
  `$filter=singleValueExtendedProperties/Any(ep: ep/id eq '${MARKER}' and ep/value eq '${value}')`;

const event = (subject: string, properties?: unknown) => ({
  subject,
  start: { dateTime: "2030-03-05T10:00:00", timeZone: "UTC" },
  end: { dateTime: "2030-03-05T11:00:00", timeZone: "UTC" },
  attendees: [{ type: "required", emailAddress: { address: "megan@contoso.com", name: "Megan" } }],
  ...(properties ? { singleValueExtendedProperties: properties } : {}),
});

describe("extended properties", () => {
  it("keeps them on the item, returns them only with $expand, and patches add or replace by id", async () => {
    const created = await adele("/me/calendar/events", {
      method: "POST",
      body: event("Marked", [{ id: MARKER, value: "booking-1" }]),
    });
    expect(created.status).toBe(201);
    expect(created.body.singleValueExtendedProperties).toBeUndefined();
    const id = String(created.body.id);
    const plain = await adele(`/me/events/${id}`);
    expect(plain.body.singleValueExtendedProperties).toBeUndefined();
    const expanded = await adele(`/me/events/${id}?${expand}`);
    expect(expanded.body.singleValueExtendedProperties).toEqual([{ id: MARKER, value: "booking-1" }]);

    const patched = await adele(`/me/events/${id}`, {
      method: "PATCH",
      body: { subject: "Still marked", singleValueExtendedProperties: [{ id: OTHER, value: "x" }] },
    });
    expect(patched.status).toBe(200);
    const again = await adele(`/me/events/${id}?${expand}`);
    expect(again.body.singleValueExtendedProperties).toEqual([{ id: MARKER, value: "booking-1" }]);
    await adele(`/me/events/${id}`, {
      method: "PATCH",
      body: { singleValueExtendedProperties: [{ id: MARKER, value: "booking-2" }] },
    });
    expect((await adele(`/me/events/${id}?${expand}`)).body.singleValueExtendedProperties).toEqual([
      { id: MARKER, value: "booking-2" },
    ]);
    // An item without the property: none returned even when expanded.
    const unmarked = await adele("/me/calendar/events", { method: "POST", body: event("Unmarked") });
    expect((await adele(`/me/events/${String(unmarked.body.id)}?${expand}`)).body).not.toHaveProperty(
      "singleValueExtendedProperties",
    );
    // The attendee's copy does not carry the organizer's property.
    const copies = valuesOf(
      await fx.as("megan@contoso.com")(
        `/me/calendarView?startDateTime=2030-03-05T00:00:00Z&endDateTime=2030-03-06T00:00:00Z&${byMarker("booking-2")}`,
      ),
    );
    expect(copies).toEqual([]);
  });

  it("finds items by property value with $filter Any() in lists and calendarView", async () => {
    const created = await adele("/me/calendar/events", {
      method: "POST",
      body: event("Findable", [{ id: MARKER, value: "booking-find" }]),
    });
    const found = valuesOf(await adele(`/me/calendar/events?${byMarker("booking-find")}&${expand}`));
    expect(found.map((item) => item.id)).toEqual([created.body.id]);
    expect(found[0]?.singleValueExtendedProperties).toEqual([{ id: MARKER, value: "booking-find" }]);
    const inView = valuesOf(
      await adele(
        `/me/calendarView?startDateTime=2030-03-05T00:00:00Z&endDateTime=2030-03-06T00:00:00Z&${byMarker("booking-find")}`,
      ),
    );
    expect(inView.map((item) => item.id)).toEqual([created.body.id]);
    expect(inView[0]).not.toHaveProperty("singleValueExtendedProperties");
    expect(valuesOf(await adele(`/me/calendar/events?${byMarker("nobody")}`))).toEqual([]);
  });

  it("refuses a malformed property id, an unknown $expand, and $expand on delta", async () => {
    const bad = await adele("/me/calendar/events", {
      method: "POST",
      body: event("Bad", [{ id: "calbridgeBookingId", value: "x" }]),
    });
    expect(bad.status).toBe(400);
    expect(field(bad.body, "error", "code")).toBe("ErrorInvalidProperty");
    expect((await adele("/me/events?$expand=attachments")).status).toBe(400);
    const delta = await adele(
      `/me/calendarView/delta?startDateTime=2030-03-01T00:00:00Z&endDateTime=2030-03-10T00:00:00Z&${expand}`,
    );
    expect(delta.status).toBe(400);
    expect(field(delta.body, "error", "message")).toContain("$expand");
  });
});
