import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALICE } from "../sandbox/google/test-accounts.ts";
import { googleHarness } from "./provider-contract/google-harness.ts";
import { startHarnessService } from "./provider-contract/provider-contract.ts";
import { waitFor } from "./support/microsoft-harness.ts";
import { backends } from "./support/test-stores.ts";

/**
 * Managed events on Google Calendar (the same platform path as Microsoft): a weekly series is written as one
 * Google event with RRULE and EXDATE lines, a moved occurrence is patched as its instance, a non-blocking event is
 * transparent, and a cancel deletes it.
 */
type Json = ReturnType<typeof JSON.parse>;
const RETURN = "http://localhost:4999/settings/calendars";

describe.each(backends)("managed events on Google Calendar on %s", (backend) => {
  const harness = googleHarness();
  let api: Awaited<ReturnType<typeof startHarnessService>>["api"];
  let hostId: string;
  let close: (() => Promise<void>) | undefined;
  let service: Awaited<ReturnType<typeof startHarnessService>>["service"];
  const harnessDeliveries = async (type: string): Promise<Json[]> =>
    (
      await service.store.executeSql(
        "select payload from webhook_deliveries where event_type = $1 order by created_at",
        [type],
      )
    ).rows.map((row) => (row as { payload: { data: Json } }).payload.data);
  const aliceEvents = (): Json[] =>
    [...(harness.sandbox().state.calendars.get(ALICE)?.events.values() ?? [])].map((e) => e.event);
  const settled = (id: string, operation: string) =>
    waitFor(`the ${operation} of ${id}`, async () => {
      const current = (await api("GET", `/v1/events/${id}`)).body;
      const sync = current.calendarSync as Array<{ state: string; operation: string }>;
      return sync.length > 0 && sync.every((s) => s.state === "written" && s.operation === operation)
        ? current
        : undefined;
    });

  beforeAll(async () => {
    ({ api, hostId, close, service } = await startHarnessService({ harness, backend }));
    // Receives nothing (port 9 is closed): the deliveries written are what is checked.
    expect((await api("POST", "/v1/webhook-endpoints", { url: "http://127.0.0.1:9/hooks" })).status).toBe(
      201,
    );
    await api("PATCH", "/v1/tenant", { connectReturnUrls: ["http://localhost:4999/settings/"] });
    const created = await api("POST", `/v1/hosts/${hostId}/connections`, {
      provider: "google",
      returnUrl: RETURN,
    });
    const callback = await harness.consent(created.body.authorizeUrl);
    await fetch(callback.replace("localhost", "127.0.0.1"), { redirect: "manual" });
    await waitFor("the first sync", async () => {
      const current = (await api("GET", `/v1/hosts/${hostId}/connections/${created.body.id}`)).body;
      return current.status === "connected" && current.calendars.some((c: Json) => c.receivesEvents)
        ? current
        : undefined;
    });
  }, 120_000);

  afterAll(async () => {
    await close?.();
  });

  it("writes a weekly series with RRULE and EXDATE, patches a moved instance, and deletes on cancel", async () => {
    const made = await api("POST", `/v1/hosts/${hostId}/events`, {
      externalId: "g-weekly",
      title: "Team training",
      start: "2030-02-06T09:00:00+01:00",
      end: "2030-02-06T10:00:00+01:00",
      timeZone: "Europe/Berlin",
      blocksAvailability: false,
      recurrence: {
        rule: "FREQ=WEEKLY;BYDAY=WE;COUNT=4",
        exdates: ["2030-02-20T08:00:00Z"],
        overrides: [
          {
            originalStart: "2030-02-13T08:00:00Z",
            start: "2030-02-14T12:00:00Z",
            end: "2030-02-14T13:00:00Z",
          },
        ],
      },
    });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const id = made.body.id;
    await settled(id, "create");
    const master = aliceEvents().find((event) => event.summary === "Team training" && event.recurrence);
    expect(master.recurrence).toEqual([
      "RRULE:FREQ=WEEKLY;BYDAY=WE;COUNT=4",
      "EXDATE;TZID=Europe/Berlin:20300220T090000",
    ]);
    expect(master.transparency).toBe("transparent");
    const moved = aliceEvents().filter((event) => event.recurringEventId === master.id);
    expect(moved).toHaveLength(1);
    expect(Date.parse(moved[0].start.dateTime)).toBe(Date.parse("2030-02-14T12:00:00Z"));

    const cancelled = await api("DELETE", `/v1/events/${id}`, { reason: "season over" });
    expect(cancelled.status).toBe(200);
    await settled(id, "cancel");
    const after = aliceEvents().find((event) => event.id === master.id);
    expect(after === undefined || after.status === "cancelled").toBe(true);
  }, 60_000);

  it("makes a Meet conference for a Meet event: its join URL is on the event and in event.written", async () => {
    const made = await api("POST", `/v1/hosts/${hostId}/events`, {
      externalId: "g-meet",
      title: "Coaching call",
      start: "2030-02-07T15:00:00Z",
      end: "2030-02-07T16:00:00Z",
      timeZone: "Europe/Berlin",
      location: { kind: "meet" },
    });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const done = await settled(made.body.id, "create");
    const written = aliceEvents().find((event) => event.summary === "Coaching call");
    expect(written.hangoutLink).toMatch(/^https:\/\/meet\.google\.com\//);
    expect(done.joinUrl).toBe(written.hangoutLink);
    expect(done.calendarSync).toEqual([
      expect.objectContaining({ joinUrl: written.hangoutLink, warning: null }),
    ]);
    const hooks = await harnessDeliveries("event.written");
    expect(hooks.find((data) => data.event.id === made.body.id)?.event.joinUrl).toBe(written.hangoutLink);
  }, 60_000);
});
