import { describe, expect, it } from "vitest";
import {
  field,
  type GraphFetch,
  type GraphResponse,
  type Json,
  valuesOf,
  withSandbox,
} from "./test-session.ts";

const fx = withSandbox({ accounts: ["adele@contoso.com"] });
const adele: GraphFetch = (path, init) => fx.as("adele@contoso.com")(path, init);

/** Follows @odata.nextLink to the end, as clients must (fidelity trap 10). */
async function allPages(
  first: GraphResponse,
  headers: Record<string, string> = {},
): Promise<{ items: Json[]; pages: number }> {
  const items = [...valuesOf(first)];
  let pages = 1;
  let next = first.body["@odata.nextLink"];
  while (typeof next === "string") {
    const page = await adele(next, { headers });
    items.push(...valuesOf(page));
    next = page.body["@odata.nextLink"];
    pages++;
  }
  return { items, pages };
}

const JANUARY = "startDateTime=2030-01-06T00:00:00Z&endDateTime=2030-02-02T00:00:00Z";

describe("calendarView", () => {
  it("expands series into occurrences and exceptions, never masters, with a cancelled occurrence missing", async () => {
    const first = await adele(`/me/calendarView?${JANUARY}`);
    expect(valuesOf(first)).toHaveLength(10);
    expect(String(first.body["@odata.nextLink"])).toContain("$skip=10");
    const { items, pages } = await allPages(first);
    expect(pages).toBeGreaterThan(2);
    expect(items.some((item) => item.type === "seriesMaster")).toBe(false);
    const sync = items.filter((item) => String(item.subject).startsWith("Team sync"));
    // Mondays 7, 14, 21 (moved: exception), 28 cancelled.
    expect(sync.map((item) => field(item, "start", "dateTime"))).toEqual([
      "2030-01-07T18:00:00.0000000",
      "2030-01-14T18:00:00.0000000",
      "2030-01-21T19:00:00.0000000",
    ]);
    expect(sync.map((item) => item.type)).toEqual(["occurrence", "occurrence", "exception"]);
    expect(sync[2]).toMatchObject({ subject: "Team sync (moved)", originalStart: "2030-01-21T18:00:00Z" });
    expect(sync[0]?.seriesMasterId).toBe(sync[2]?.seriesMasterId);
    expect(sync[0]?.iCalUId).not.toBe(sync[1]?.iCalUId);
    const standups = items.filter((item) => item.subject === "Daily stand-up");
    expect(standups).toHaveLength(20);
    const master = await adele(`/me/events/${encodeURIComponent(String(sync[0]?.seriesMasterId))}`);
    expect(master.body.type).toBe("seriesMaster");
    expect(field(master.body, "recurrence", "pattern")).toEqual({
      type: "weekly",
      interval: 1,
      month: 0,
      dayOfMonth: 0,
      daysOfWeek: ["monday"],
      firstDayOfWeek: "sunday",
      index: "first",
    });
    expect(field(master.body, "recurrence", "range", "recurrenceTimeZone")).toBe("Pacific Standard Time");
  });

  it("converts times for Prefer: outlook.timezone but keeps all-day events at midnight", async () => {
    const headers = { prefer: 'outlook.timezone="Pacific Standard Time"' };
    const first = await adele(
      `/me/calendarView?startDateTime=2030-01-15T00:00:00-08:00&endDateTime=2030-01-16T00:00:00-08:00&$top=50`,
      { headers },
    );
    expect(first.headers.get("preference-applied")).toBe('outlook.timezone="Pacific Standard Time"');
    const items = valuesOf(first);
    const offsite = items.find((item) => item.subject === "Company offsite");
    expect(offsite?.start).toEqual({
      dateTime: "2030-01-15T00:00:00.0000000",
      timeZone: "Pacific Standard Time",
    });
    expect(offsite?.end).toEqual({
      dateTime: "2030-01-16T00:00:00.0000000",
      timeZone: "Pacific Standard Time",
    });
    const standup = items.find((item) => item.subject === "Daily stand-up");
    expect(standup?.start).toEqual({
      dateTime: "2030-01-15T09:00:00.0000000",
      timeZone: "Pacific Standard Time",
    });
    const iana = await adele(
      `/me/calendarView?startDateTime=2030-01-15T00:00:00-08:00&endDateTime=2030-01-16T00:00:00-08:00`,
      { headers: { prefer: 'outlook.timezone="Europe/Berlin"' } },
    );
    const utcOffsite = valuesOf(iana).find((item) => item.subject === "Company offsite");
    expect(utcOffsite?.start).toEqual({ dateTime: "2030-01-15T00:00:00.0000000", timeZone: "Europe/Berlin" });
    expect(
      field(
        valuesOf(iana).find((item) => item.subject === "Daily stand-up"),
        "start",
        "dateTime",
      ),
    ).toBe("2030-01-15T18:00:00.0000000");
  });

  it("supports $top, $select, $filter and $orderby; requires the window", async () => {
    const page = await adele(
      `/me/calendarView?${JANUARY}&$top=3&$select=subject,showAs&$filter=showAs eq 'tentative'`,
    );
    expect(valuesOf(page)).toEqual([
      expect.objectContaining({ subject: "Dentist (to be confirmed)", showAs: "tentative" }),
    ]);
    expect(Object.keys(valuesOf(page)[0] ?? {}).sort()).toEqual(["@odata.etag", "id", "showAs", "subject"]);
    const ordered = valuesOf(await adele(`/me/calendarView?${JANUARY}&$top=5&$orderby=start/dateTime desc`));
    const starts = ordered.map((item) => String(field(item, "start", "dateTime")));
    expect([...starts].sort().reverse()).toEqual(starts);
    const missing = await adele("/me/calendarView?startDateTime=2030-01-01T00:00:00Z");
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({ code: "ErrorInvalidParameter" });
  });

  it("lists /events as singles and masters, and expands one series with /instances", async () => {
    const events = await allPages(await adele("/me/events?$top=50"));
    expect(new Set(events.items.map((item) => item.type))).toEqual(
      new Set(["singleInstance", "seriesMaster"]),
    );
    const master = events.items.find((item) => item.subject === "Team sync");
    const instances = valuesOf(
      await adele(`/me/events/${encodeURIComponent(String(master?.id))}/instances?${JANUARY}`),
    );
    expect(instances.map((item) => item.type)).toEqual(["occurrence", "occurrence", "exception"]);
  });

  it("turns an edited occurrence into an exception and rejects crossing a neighbour's day", async () => {
    const window = "startDateTime=2030-02-04T00:00:00Z&endDateTime=2030-02-05T00:00:00Z";
    const occurrence = valuesOf(await adele(`/me/calendarView?${window}`)).find(
      (item) => item.subject === "Team sync",
    );
    expect(occurrence?.type).toBe("occurrence");
    const id = encodeURIComponent(String(occurrence?.id));
    const crossing = await adele(`/me/events/${id}`, {
      method: "PATCH",
      body: {
        start: { dateTime: "2030-02-11T10:00:00", timeZone: "Pacific Standard Time" },
        end: { dateTime: "2030-02-11T10:30:00", timeZone: "Pacific Standard Time" },
      },
    });
    expect(crossing.status).toBe(400);
    expect(crossing.body.error).toMatchObject({ code: "ErrorOccurrenceCrossingBoundary" });
    const edited = await adele(`/me/events/${id}`, {
      method: "PATCH",
      body: { subject: "Team sync (demo day)" },
    });
    expect(edited.body).toMatchObject({
      type: "exception",
      id: occurrence?.id,
      seriesMasterId: occurrence?.seriesMasterId,
    });
    expect((await adele(`/me/events/${id}`, { method: "DELETE" })).status).toBe(204);
    const after = valuesOf(await adele(`/me/calendarView?${window}`));
    expect(after.some((item) => String(item.subject).startsWith("Team sync"))).toBe(false);
  });

  it("reads the default calendar under /me and a named one under /calendars/{id}", async () => {
    const birthdays = valuesOf(await adele("/me/calendars")).find((c) => c.name === "Birthdays");
    const base = `/me/calendars/${encodeURIComponent(String(birthdays?.id))}`;
    const created = await adele(`${base}/events`, {
      method: "POST",
      body: {
        subject: "Megan's birthday",
        isAllDay: true,
        start: { dateTime: "2030-01-16", timeZone: "W. Europe Standard Time" },
        end: { dateTime: "2030-01-17", timeZone: "W. Europe Standard Time" },
      },
    });
    expect(created.status).toBe(201);
    const patched = await adele(`/me/events/${encodeURIComponent(String(created.body.id))}`, {
      method: "PATCH",
      body: {
        recurrence: {
          pattern: { type: "absoluteYearly", interval: 1, month: 1, dayOfMonth: 16 },
          range: { type: "noEnd", startDate: "2030-01-16" },
        },
      },
    });
    expect(patched.body.type).toBe("seriesMaster");
    expect(field(patched.body, "recurrence", "range", "recurrenceTimeZone")).toBe("W. Europe Standard Time");
    const window = "startDateTime=2031-01-01T00:00:00Z&endDateTime=2031-02-01T00:00:00Z";
    const named = valuesOf(await adele(`${base}/calendarView?${window}`));
    expect(named.map((item) => [item.subject, item.type, field(item, "start", "dateTime")])).toEqual([
      ["Megan's birthday", "occurrence", "2031-01-16T00:00:00.0000000"],
    ]);
    const main = valuesOf(await adele(`/me/calendarView?${window}&$top=100`));
    expect(main.some((item) => item.subject === "Megan's birthday")).toBe(false);
  });
});
