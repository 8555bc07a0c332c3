import { describe, expect, it } from "vitest";
import { admin, type GraphFetch, graphClient, type Json, valuesOf, withSandbox } from "./test-session.ts";
import { signIn } from "./test-sign-in.ts";

const fx = withSandbox({ accounts: ["adele@contoso.com"] });
const adele: GraphFetch = (path, init) => fx.as("adele@contoso.com")(path, init);

/** One full round: follows nextLinks (sending Prefer on each request) until the deltaLink. */
async function round(
  url: string,
  pageSize = 4,
): Promise<{ items: Json[]; deltaLink: string; pages: number }> {
  const items: Json[] = [];
  let next = url;
  for (let pages = 1; ; pages++) {
    const page = await adele(next, { headers: { prefer: `odata.maxpagesize=${pageSize}` } });
    expect(page.status).toBe(200);
    items.push(...valuesOf(page));
    const nextLink = page.body["@odata.nextLink"];
    const deltaLink = page.body["@odata.deltaLink"];
    expect(Boolean(nextLink) !== Boolean(deltaLink)).toBe(true);
    if (typeof deltaLink === "string") return { items, deltaLink, pages };
    expect(String(nextLink)).toContain("$skiptoken=");
    next = String(nextLink);
  }
}

const WINDOW = "/me/calendarView/delta?startDateTime=2030-01-06T00:00:00Z&endDateTime=2030-01-13T00:00:00Z";

describe("calendarView delta", () => {
  it("pages with $skiptoken, finishes with $deltatoken, then returns only changes and @removed stubs", async () => {
    const initial = await round(WINDOW);
    expect(initial.pages).toBeGreaterThan(2);
    expect(initial.deltaLink).toContain("$deltatoken=");
    expect(initial.items.some((item) => item.type === "seriesMaster")).toBe(false);
    const quiet = await round(initial.deltaLink);
    expect(quiet.items).toEqual([]);

    const dentist = initial.items.find((item) => item.subject === "Dentist (to be confirmed)");
    const focus = initial.items.find((item) => item.subject === "Focus time");
    await admin(fx.sandbox.url, "events/change", {
      account: "adele@contoso.com",
      eventId: dentist?.id,
      patch: { subject: "Dentist", showAs: "busy" },
    });
    await admin(fx.sandbox.url, "events/delete", { account: "adele@contoso.com", eventId: focus?.id });
    const created = await adele("/me/events", {
      method: "POST",
      body: {
        subject: "New one",
        start: { dateTime: "2030-01-11T10:00:00", timeZone: "UTC" },
        end: { dateTime: "2030-01-11T11:00:00", timeZone: "UTC" },
      },
    });
    const outside = await adele("/me/events", {
      method: "POST",
      body: {
        subject: "Outside the window",
        start: { dateTime: "2030-06-11T10:00:00", timeZone: "UTC" },
        end: { dateTime: "2030-06-11T11:00:00", timeZone: "UTC" },
      },
    });
    const changes = await round(quiet.deltaLink);
    const byId = new Map(changes.items.map((item) => [item.id, item]));
    expect(byId.get(dentist?.id)).toMatchObject({ subject: "Dentist", showAs: "busy" });
    expect(byId.get(focus?.id)).toEqual({
      "@odata.type": "#microsoft.graph.event",
      id: focus?.id,
      "@removed": { reason: "deleted" },
    });
    expect(byId.get(created.body.id)).toMatchObject({ subject: "New one" });
    expect(byId.has(outside.body.id)).toBe(false);
    expect(changes.items).toHaveLength(3);

    // Moving an event out of the window reads as a removal.
    await admin(fx.sandbox.url, "events/change", {
      account: "adele@contoso.com",
      eventId: created.body.id,
      patch: {
        start: { dateTime: "2030-03-11T10:00:00", timeZone: "UTC" },
        end: { dateTime: "2030-03-11T11:00:00", timeZone: "UTC" },
      },
    });
    const moved = await round(changes.deltaLink);
    expect(moved.items).toEqual([
      expect.objectContaining({ id: created.body.id, "@removed": { reason: "deleted" } }),
    ]);
  });

  it("rejects $select, and answers 410 SyncStateNotFound for expired or evicted tokens", async () => {
    const select = await adele(`${WINDOW}&$select=subject`);
    expect(select.status).toBe(400);
    const first = await round(WINDOW, 100);
    await admin(fx.sandbox.url, "sync-tokens/expire", { account: "adele@contoso.com" });
    const gone = await adele(first.deltaLink);
    expect(gone.status).toBe(410);
    expect(gone.body.error).toMatchObject({ code: "SyncStateNotFound" });
    expect(String((gone.body.error as Json).message)).toMatch(
      /^The sync state generation is not found; generation=\d+;\[highest=\d+\]/,
    );

    const second = await round(WINDOW, 100);
    await admin(fx.sandbox.url, "clock", { advanceMs: 8 * 86_400_000 });
    expect((await adele(second.deltaLink)).status).toBe(401);
    const fresh = graphClient(
      fx.sandbox.url,
      (await signIn({ url: fx.sandbox.url, account: "adele@contoso.com" })).access_token,
    );
    expect((await fresh(second.deltaLink)).status).toBe(410);
  });
});
