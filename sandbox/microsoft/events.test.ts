import { describe, expect, it } from "vitest";
import { field, type GraphFetch, graphClient, valuesOf, withSandbox } from "./test-session.ts";
import { signIn } from "./test-sign-in.ts";

const fx = withSandbox({ accounts: ["adele@contoso.com", "megan@contoso.com", "sam.taylor@outlook.com"] });
const adele: GraphFetch = (path, init) => fx.as("adele@contoso.com")(path, init);
const megan: GraphFetch = (path, init) => fx.as("megan@contoso.com")(path, init);
const sam: GraphFetch = (path, init) => fx.as("sam.taylor@outlook.com")(path, init);

const meeting = {
  subject: "Quarterly planning",
  body: { contentType: "text", content: "Bring numbers & ideas" },
  start: { dateTime: "2030-03-04T10:00:00", timeZone: "Pacific Standard Time" },
  end: { dateTime: "2030-03-04T11:00:00", timeZone: "Pacific Standard Time" },
  location: { displayName: "Online" },
};

describe("me, mailbox settings and calendars", () => {
  it("returns the user, Windows time-zone names and calendars with owner and providers", async () => {
    const me = await adele("/me");
    expect(me.body).toMatchObject({
      displayName: "Adele Vance",
      mail: "adele@contoso.com",
      userPrincipalName: "adele@contoso.com",
    });
    expect(me.headers.get("request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const settings = await adele("/me/mailboxSettings");
    expect(settings.body.timeZone).toBe("Pacific Standard Time");
    expect(field(settings.body, "workingHours", "startTime")).toBe("08:00:00.0000000");
    expect((await adele("/me/mailboxSettings/timeZone")).body.value).toBe("Pacific Standard Time");
    const calendars = valuesOf(await adele("/me/calendars"));
    expect(calendars.map((c) => c.name)).toEqual(["Calendar", "Birthdays"]);
    expect(calendars[0]).toMatchObject({
      isDefaultCalendar: true,
      allowedOnlineMeetingProviders: ["teamsForBusiness"],
    });
    expect(field(calendars[0], "owner", "address")).toBe("adele@contoso.com");
    const personal = valuesOf(await sam("/me/calendars"));
    expect(personal[0]?.allowedOnlineMeetingProviders).toEqual([]);
  });
});

describe("events CRUD", () => {
  it("creates with 201, reads, patches with a new changeKey, honours If-Match and deletes with 204", async () => {
    const created = await adele("/me/events", {
      method: "POST",
      body: meeting,
      headers: { "client-request-id": "abc-123" },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get("client-request-id")).toBe("abc-123");
    const event = created.body;
    expect(event).toMatchObject({
      subject: "Quarterly planning",
      type: "singleInstance",
      isOrganizer: true,
      originalStartTimeZone: "Pacific Standard Time",
    });
    expect(field(event, "start", "dateTime")).toBe("2030-03-04T18:00:00.0000000");
    expect(field(event, "start", "timeZone")).toBe("UTC");
    expect(field(event, "body", "content")).toContain("<body>\r\nBring numbers &amp; ideas");
    expect(event.bodyPreview).toBe("Bring numbers & ideas");
    expect(event["@odata.etag"]).toBe(`W/"${String(event.changeKey)}"`);
    const id = encodeURIComponent(String(event.id));
    const patched = await adele(`/me/events/${id}`, {
      method: "PATCH",
      body: { subject: "Quarterly planning v2" },
      headers: { "if-match": String(event["@odata.etag"]) },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.changeKey).not.toBe(event.changeKey);
    const stale = await adele(`/me/events/${id}`, {
      method: "PATCH",
      body: { subject: "x" },
      headers: { "if-match": String(event["@odata.etag"]) },
    });
    expect(stale.status).toBe(412);
    const selected = await adele(`/me/events/${id}?$select=subject`);
    expect(Object.keys(selected.body).sort()).toEqual(["@odata.context", "@odata.etag", "id", "subject"]);
    expect(
      (
        await adele(
          `/me/calendars/${encodeURIComponent(String(valuesOf(await adele("/me/calendars"))[1]?.id))}/events/${id}`,
        )
      ).status,
    ).toBe(404);
    expect((await adele(`/me/events/${id}`, { method: "DELETE" })).status).toBe(204);
    const gone = await adele(`/me/events/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.body.error).toMatchObject({
      code: "ErrorItemNotFound",
      message: "The specified object was not found in the store.",
    });
    expect(field(gone.body, "error", "innerError", "date")).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
    expect((await adele("/me/events/not%2Fvalid!")).body.error).toMatchObject({
      code: "ErrorInvalidIdMalformed",
    });
  });

  it("makes transactionId creates idempotent", async () => {
    const body = { ...meeting, subject: "Retry me", transactionId: "7E163156-7762-4BEB-A1C6-729EA81755A7" };
    const first = await adele("/me/calendar/events", { method: "POST", body });
    const second = await adele("/me/calendar/events", { method: "POST", body });
    expect(second.body.id).toBe(first.body.id);
    expect(second.body.transactionId).toBe(body.transactionId);
    const list = valuesOf(await adele("/me/events?$filter=subject eq 'Retry me'"));
    expect(list).toHaveLength(1);
  });

  it("rejects unknown properties and bad all-day times", async () => {
    const unknown = await adele("/me/events", { method: "POST", body: { ...meeting, colour: "red" } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatchObject({ code: "RequestBodyRead" });
    const allDay = await adele("/me/events", { method: "POST", body: { ...meeting, isAllDay: true } });
    expect(allDay.body.error).toMatchObject({ code: "ErrorPropertyValidationFailure" });
  });

  it("gives work accounts a Teams joinUrl and personal accounts none", async () => {
    const online = { ...meeting, isOnlineMeeting: true, onlineMeetingProvider: "teamsForBusiness" };
    const work = await adele("/me/events", { method: "POST", body: online });
    expect(String(field(work.body, "onlineMeeting", "joinUrl"))).toMatch(
      /^https:\/\/teams\.microsoft\.com\/l\/meetup-join\//,
    );
    expect(work.body.onlineMeetingProvider).toBe("teamsForBusiness");
    const personal = await sam("/me/events", { method: "POST", body: online });
    expect(personal.status).toBe(201);
    expect(personal.body).toMatchObject({ isOnlineMeeting: false, onlineMeeting: null });
  });

  it("delivers invitations to attendees; cancel is 202, removes the organizer's item and marks copies cancelled", async () => {
    const body = {
      ...meeting,
      subject: "Launch review",
      attendees: [{ type: "required", emailAddress: { address: "megan@contoso.com", name: "Megan Bowen" } }],
    };
    const created = await adele("/me/events", { method: "POST", body });
    expect(field(created.body, "attendees", "0", "status", "response")).toBe("none");
    const window = "startDateTime=2030-03-04T00:00:00Z&endDateTime=2030-03-05T00:00:00Z";
    const copy = valuesOf(await megan(`/me/calendarView?${window}`)).find(
      (e) => e.subject === "Launch review",
    );
    expect(copy).toMatchObject({ isOrganizer: false, showAs: "tentative" });
    expect(field(copy, "responseStatus", "response")).toBe("notResponded");
    const attendeeCancel = await megan(`/me/events/${encodeURIComponent(String(copy?.id))}/cancel`, {
      method: "POST",
      body: { comment: "no" },
    });
    expect(attendeeCancel.status).toBe(400);
    expect(field(attendeeCancel.body, "error", "message")).toBe(
      "You need to be an organizer to cancel a meeting.",
    );
    const cancel = await adele(`/me/events/${encodeURIComponent(String(created.body.id))}/cancel`, {
      method: "POST",
      body: { comment: "Moved" },
    });
    expect(cancel.status).toBe(202);
    expect((await adele(`/me/events/${encodeURIComponent(String(created.body.id))}`)).status).toBe(404);
    const after = (await megan(`/me/events/${encodeURIComponent(String(copy?.id))}`)).body;
    expect(after).toMatchObject({ isCancelled: true, subject: "Canceled: Launch review" });
  });

  it("answers 401 with WWW-Authenticate for missing, garbage and expired tokens", async () => {
    const missing = await fetch(`${fx.sandbox.url}/v1.0/me`);
    expect(missing.status).toBe(401);
    expect(missing.headers.get("www-authenticate")).toContain(
      'client_id="00000003-0000-0000-c000-000000000000"',
    );
    const garbage = await graphClient(fx.sandbox.url, "garbage")("/me");
    expect(garbage.body.error).toMatchObject({ code: "InvalidAuthenticationToken" });
    const fresh = graphClient(
      fx.sandbox.url,
      (await signIn({ url: fx.sandbox.url, account: "alex@contoso.com" })).access_token,
    );
    await fetch(`${fx.sandbox.url}/_sandbox/clock`, {
      method: "POST",
      body: JSON.stringify({ advanceMs: 3600_000 }),
    });
    const expired = await fresh("/me");
    expect(expired.status).toBe(401);
    expect(field(expired.body, "error", "message")).toBe("Access token has expired or is not yet valid.");
  });
});
