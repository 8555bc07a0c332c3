import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { googleHarness } from "./provider-contract/google-harness.ts";
import { startHarnessService } from "./provider-contract/provider-contract.ts";
import { waitFor } from "./support/microsoft-harness.ts";
import { backends } from "./support/test-stores.ts";

/**
 * Agenda import on Google Calendar (the same platform path as Microsoft): with import on, the sync stores the
 * events' details (a managed event's copy with its Meet link and organizer, marked as ours); with import off the
 * agenda holds blocks only and no details are stored.
 */
type Json = ReturnType<typeof JSON.parse>;
const RETURN = "http://localhost:4999/settings/calendars";
const RANGE = "from=2030-02-01T00:00:00Z&to=2030-03-01T00:00:00Z";

describe.each(backends)("agenda import on Google Calendar on %s", (backend) => {
  const harness = googleHarness();
  let api: Awaited<ReturnType<typeof startHarnessService>>["api"];
  let hostId: string;
  let connectionId: string;
  let close: (() => Promise<void>) | undefined;
  const agenda = async (): Promise<Json[]> => {
    const answer = await api("GET", `/v1/hosts/${hostId}/calendar-events?${RANGE}`);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return answer.body.data;
  };

  beforeAll(async () => {
    ({ api, hostId, close } = await startHarnessService({ harness, backend }));
    await api("PATCH", "/v1/tenant", { connectReturnUrls: ["http://localhost:4999/settings/"] });
    const created = await api("POST", `/v1/hosts/${hostId}/connections`, {
      provider: "google",
      returnUrl: RETURN,
    });
    connectionId = created.body.id;
    const callback = await harness.consent(created.body.authorizeUrl);
    await fetch(callback.replace("localhost", "127.0.0.1"), { redirect: "manual" });
    await waitFor("the first sync", async () => {
      const current = (await api("GET", `/v1/hosts/${hostId}/connections/${connectionId}`)).body;
      return current.status === "connected" && current.calendars.some((c: Json) => c.receivesEvents)
        ? current
        : undefined;
    });
  }, 120_000);

  afterAll(async () => {
    await close?.();
  });

  it("lists blocks without import, fills details with it, and removes them when it goes off", async () => {
    const made = await api("POST", `/v1/hosts/${hostId}/events`, {
      externalId: "g-agenda",
      title: "Coaching",
      start: "2030-02-06T09:00:00+01:00",
      end: "2030-02-06T10:00:00+01:00",
      timeZone: "Europe/Berlin",
      location: { kind: "meet" },
    });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    await waitFor("the write", async () => {
      const sync = (await api("GET", `/v1/events/${made.body.id}`)).body.calendarSync as Json[];
      return sync.length > 0 && sync.every((s) => s.state === "written") ? sync : undefined;
    });
    const blocks = await waitFor("the copy's busy block", async () => {
      await api("POST", `/v1/connections/${connectionId}/sync`);
      const listed = await agenda();
      return listed.some((event) => event.start === "2030-02-06T08:00:00.000Z") ? listed : undefined;
    });
    expect(blocks.every((event) => event.details === null)).toBe(true);

    expect(
      (await api("PATCH", `/v1/hosts/${hostId}/connections/${connectionId}`, { import: true })).status,
    ).toBe(200);
    const copy = await waitFor("the copy's details", async () => {
      const found = (await agenda()).find((event) => event.details?.ours === "managed_event");
      // A sync already running when import went on ends without details; the next one lists afresh.
      if (!found) await api("POST", `/v1/connections/${connectionId}/sync`);
      return found;
    });
    expect(copy).toMatchObject({
      start: "2030-02-06T08:00:00.000Z",
      end: "2030-02-06T09:00:00.000Z",
      details: { title: "Coaching", timeZone: "Europe/Berlin", showAs: "busy" },
    });
    expect(copy.details.onlineMeetingUrl).toMatch(/^https:\/\/meet\.google\.com\//);
    expect(copy.details.organizer).toEqual(expect.stringContaining("@"));

    expect(
      (await api("PATCH", `/v1/hosts/${hostId}/connections/${connectionId}`, { import: false })).status,
    ).toBe(200);
    expect((await agenda()).every((event) => event.details === null)).toBe(true);
  }, 90_000);
});
