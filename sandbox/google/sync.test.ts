import type { calendar_v3 } from "@googleapis/calendar";
import { beforeEach, describe, expect, it } from "vitest";
import { ALICE, DENTIST, YOGA } from "./test-accounts.ts";
import { calendarClientFor, googleFailure } from "./test-calendar-client.ts";
import { useGoogleSandbox } from "./test-fixture.ts";

const fixture = useGoogleSandbox({ accounts: [ALICE] });
let alice: calendar_v3.Calendar;
beforeEach(() => {
  alice = fixture.client(ALICE);
});

/** Runs a full or incremental sync to the end and returns items plus the new token. */
async function syncAll(params: { syncToken?: string; singleEvents?: boolean; maxResults?: number }): Promise<{
  items: calendar_v3.Schema$Event[];
  nextSyncToken: string;
  pages: number;
}> {
  const items: calendar_v3.Schema$Event[] = [];
  let pageToken: string | undefined;
  for (let pages = 1; ; pages++) {
    const { data } = await alice.events.list({
      calendarId: "primary",
      ...params,
      ...(pageToken ? { pageToken } : {}),
    });
    items.push(...(data.items ?? []));
    if (data.nextSyncToken) {
      expect(data.nextPageToken).toBeUndefined();
      return { items, nextSyncToken: data.nextSyncToken, pages };
    }
    pageToken = data.nextPageToken!;
  }
}

const meeting: calendar_v3.Schema$Event = {
  summary: "Sync me",
  start: { dateTime: "2030-01-23T10:00:00+01:00" },
  end: { dateTime: "2030-01-23T11:00:00+01:00" },
};

describe("incremental sync with syncToken", () => {
  it("returns exactly what changed: inserts, patches and deletions as tombstones", async () => {
    const full = await syncAll({});
    expect((await syncAll({ syncToken: full.nextSyncToken })).items).toEqual([]);
    const { data: created } = await alice.events.insert({ calendarId: "primary", requestBody: meeting });
    const afterInsert = await syncAll({ syncToken: full.nextSyncToken });
    expect(afterInsert.items.map((event) => event.id)).toEqual([created.id]);
    await alice.events.patch({
      calendarId: "primary",
      eventId: created.id!,
      requestBody: { summary: "Patched" },
    });
    const afterPatch = await syncAll({ syncToken: afterInsert.nextSyncToken });
    expect(afterPatch.items.map((event) => event.summary)).toEqual(["Patched"]);
    await alice.events.delete({ calendarId: "primary", eventId: created.id! });
    const afterDelete = await syncAll({ syncToken: afterPatch.nextSyncToken });
    expect(afterDelete.items).toEqual([
      { kind: "calendar#event", etag: expect.any(String), id: created.id, status: "cancelled" },
    ]);
  });

  it("reports an edited instance with its master, and a deleted instance as a cancelled exception", async () => {
    const full = await syncAll({});
    await alice.events.patch({
      calendarId: "primary",
      eventId: `${YOGA}_20300204T170000Z`,
      requestBody: { summary: "Yoga outdoors" },
    });
    const edited = await syncAll({ syncToken: full.nextSyncToken });
    expect(edited.items.map((event) => event.id).sort()).toEqual([YOGA, `${YOGA}_20300204T170000Z`]);
    expect(edited.items.find((event) => event.id !== YOGA)?.sequence).toBe(0);
    await alice.events.delete({ calendarId: "primary", eventId: `${YOGA}_20300211T170000Z` });
    const deleted = await syncAll({ syncToken: edited.nextSyncToken });
    expect(deleted.items.find((event) => event.id === `${YOGA}_20300211T170000Z`)).toEqual({
      kind: "calendar#event",
      etag: expect.any(String),
      id: `${YOGA}_20300211T170000Z`,
      status: "cancelled",
      recurringEventId: YOGA,
      originalStartTime: { dateTime: "2030-02-11T18:00:00+01:00", timeZone: "Europe/Berlin" },
    });
  });

  it("pages a large change set and puts nextSyncToken on the last page only", async () => {
    const full = await syncAll({});
    for (let i = 0; i < 5; i++) {
      await alice.events.insert({ calendarId: "primary", requestBody: { ...meeting, summary: `Bulk ${i}` } });
    }
    const changes = await syncAll({ syncToken: full.nextSyncToken, maxResults: 2 });
    expect(changes.pages).toBe(3);
    expect(changes.items.map((event) => event.summary).sort()).toEqual([
      "Bulk 0",
      "Bulk 1",
      "Bulk 2",
      "Bulk 3",
      "Bulk 4",
    ]);
  });

  it("syncs expanded instances when the chain started with singleEvents=true, and insists on it", async () => {
    const full = await syncAll({ singleEvents: true });
    expect(full.items.some((event) => event.id === YOGA)).toBe(false);
    await alice.events.patch({
      calendarId: "primary",
      eventId: `${YOGA}_20300218T170000Z`,
      requestBody: { summary: "Yoga special" },
    });
    const changes = await syncAll({ syncToken: full.nextSyncToken, singleEvents: true });
    expect(changes.items.find((event) => event.id === `${YOGA}_20300218T170000Z`)?.summary).toBe(
      "Yoga special",
    );
    expect(changes.items.every((event) => event.id !== YOGA)).toBe(true);
    const mismatch = await googleFailure(
      alice.events.list({ calendarId: "primary", syncToken: full.nextSyncToken }),
    );
    expect(mismatch.status).toBe(400);
  });

  it.each([
    ["timeMin", { timeMin: "2030-01-01T00:00:00Z" }],
    ["timeMax", { timeMax: "2030-01-01T00:00:00Z" }],
    ["orderBy", { orderBy: "updated" }],
    ["q", { q: "yoga" }],
    ["updatedMin", { updatedMin: "2030-01-01T00:00:00Z" }],
    ["showDeleted", { showDeleted: false }],
  ])("rejects syncToken combined with %s (400)", async (_name, extra) => {
    const full = await syncAll({});
    const failure = await googleFailure(
      alice.events.list({ calendarId: "primary", syncToken: full.nextSyncToken, ...extra }),
    );
    expect([failure.status, failure.reason]).toEqual([400, "invalid"]);
  });

  it("answers 410 fullSyncRequired for expired, foreign or garbage tokens", async () => {
    const full = await syncAll({});
    expect((await fixture.admin("sync-tokens/expire", { account: ALICE })).status).toBe(200);
    const expired = await googleFailure(
      alice.events.list({ calendarId: "primary", syncToken: full.nextSyncToken }),
    );
    expect(expired.body).toEqual({
      error: {
        code: 410,
        message: "Sync token is no longer valid, a full sync is required.",
        errors: [
          {
            domain: "calendar",
            reason: "fullSyncRequired",
            message: "Sync token is no longer valid, a full sync is required.",
            locationType: "parameter",
            location: "syncToken",
          },
        ],
        status: "FAILED_PRECONDITION",
      },
    });
    const garbage = await googleFailure(
      alice.events.list({ calendarId: "primary", syncToken: "CPDAlvWDx70CEPDAlvWDx70CGAU=" }),
    );
    expect([garbage.status, garbage.reason]).toEqual([410, "fullSyncRequired"]);
    const fresh = await syncAll({});
    await fixture.admin("reset");
    alice = await calendarClientFor({ url: fixture.url, account: ALICE });
    expect(
      (await googleFailure(alice.events.list({ calendarId: "primary", syncToken: fresh.nextSyncToken })))
        .status,
    ).toBe(410);
  });
});

describe("changes from outside (admin API)", () => {
  it("shows an outside change in the sync stream with a new etag and sequence", async () => {
    const full = await syncAll({});
    const before = (await alice.events.get({ calendarId: "primary", eventId: DENTIST })).data;
    const response = await fixture.admin("events/change", {
      account: ALICE,
      eventId: DENTIST,
      patch: { summary: "Dentist (moved by practice)" },
    });
    expect(response.status).toBe(200);
    const changes = await syncAll({ syncToken: full.nextSyncToken });
    expect(changes.items).toHaveLength(1);
    expect(changes.items[0]).toMatchObject({
      id: before.id,
      summary: "Dentist (moved by practice)",
      sequence: (before.sequence ?? 0) + 1,
    });
    expect(changes.items[0]?.etag).not.toBe(before.etag);
    expect(Date.parse(changes.items[0]!.updated!)).toBeGreaterThanOrEqual(Date.parse(before.updated!));
    expect(await (await fixture.admin("events/delete", { account: ALICE, eventId: DENTIST })).json()).toEqual(
      { ok: true },
    );
    const deletion = await syncAll({ syncToken: changes.nextSyncToken });
    expect(deletion.items.map((event) => [event.id, event.status])).toEqual([[DENTIST, "cancelled"]]);
  });
});
