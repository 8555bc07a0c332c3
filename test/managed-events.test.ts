import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { occurrenceId } from "../sandbox/microsoft/ids.ts";
import type { StoredEvent } from "../sandbox/microsoft/model.ts";
import { slotsOn } from "./support/microsoft-harness.ts";
import {
  type MicrosoftTestService,
  startMicrosoftTestService,
  waitFor,
} from "./support/microsoft-service.ts";
import { backends } from "./support/test-stores.ts";

/**
 * Managed events over real HTTP against the Microsoft sandbox, on PGlite and PostgreSQL: created, updated (the same
 * externalId twice is one event), cancelled with a reason; a weekly series with one moved and one removed
 * occurrence written as one Outlook series; blocking events remove slots, non-blocking ones are "free"; collective
 * events reach each host's calendar; bad input is a 400 with nothing stored or written.
 */
type Json = ReturnType<typeof JSON.parse>;

describe.each(backends)("managed events on %s", (backend) => {
  let ms: MicrosoftTestService;
  let adele: string;
  let adeleConnection: string;
  let megan: string;
  let meganConnection: string;

  const outlookEvents = (eventId: string): StoredEvent[] =>
    [...ms.sandbox.state.events.values()].filter((event) =>
      event.transactionId?.startsWith(`calbridge-me-${eventId}-`),
    );
  const settled = (id: string, operation: "create" | "update" | "cancel") =>
    waitFor(`the ${operation} of ${id}`, async () => {
      const current = (await ms.api("GET", `/v1/events/${id}`)).body;
      const sync = current.calendarSync as Array<{ state: string; operation: string }>;
      return sync.length > 0 && sync.every((s) => s.state === "written" && s.operation === operation)
        ? current
        : undefined;
    });
  const deliveries = async (type: string): Promise<Json[]> =>
    (
      await ms.service.store.executeSql(
        "select payload from webhook_deliveries where event_type = $1 order by created_at",
        [type],
      )
    ).rows.map((row) => (row as { payload: { data: Json } }).payload.data);
  const counts = async () =>
    (
      await ms.service.store.executeSql(
        "select (select count(*) from managed_events)::int as events, (select count(*) from managed_event_writes)::int as writes",
        [],
      )
    ).rows[0];
  const create = (hostId: string, body: Record<string, unknown>) =>
    ms.api("POST", `/v1/hosts/${hostId}/events`, {
      title: "Training",
      timeZone: "Europe/Berlin",
      ...body,
    });

  beforeAll(async () => {
    ms = await startMicrosoftTestService({ backend });
    const weekday = [["09:00", "17:00"]];
    const weekly = { mon: weekday, tue: weekday, wed: weekday, thu: weekday, fri: weekday };
    adele = (await ms.api("POST", "/v1/hosts", { name: "Adele", timeZone: "America/Los_Angeles" })).body.id;
    await ms.api("POST", `/v1/hosts/${adele}/schedules`, { timeZone: "America/Los_Angeles", weekly });
    megan = (await ms.api("POST", "/v1/hosts", { name: "Megan", timeZone: "America/Los_Angeles" })).body.id;
    const created = await ms.api("POST", "/v1/event-types", {
      slug: "consult",
      title: "Consult",
      durations: [60],
      hostIds: [adele],
      rules: { stepMinutes: 60, horizon: { type: "rolling", days: 120 } },
    });
    expect(created.status).toBe(201);
    expect((await ms.api("POST", "/v1/webhook-endpoints", { url: "http://127.0.0.1:9/hooks" })).status).toBe(
      201,
    );
    adeleConnection = await ms.connect(adele, "Adele");
    meganConnection = await ms.connect(megan, "Megan");
  }, 120_000);

  afterAll(async () => {
    await ms?.stop();
  });

  it("creates, updates by the same externalId (one event), and cancels with a reason", async () => {
    const first = await create(adele, {
      externalId: "training-1",
      description: "Bring <your> laptop",
      start: "2030-01-23T18:00:00Z",
      end: "2030-01-23T19:00:00Z",
      attendees: [{ name: "Ana Lima", email: "ana@example.org" }],
      location: { kind: "address", value: "Room 4" },
      metadata: { courseId: 42 },
    });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body).toMatchObject({
      externalId: "training-1",
      hostIds: [adele],
      metadata: { courseId: 42 },
      calendarSync: [{ connectionId: adeleConnection, state: "pending", operation: "create" }],
    });
    const id = first.body.id;
    await settled(id, "create");
    const [written] = outlookEvents(id);
    expect(written?.fields.subject).toBe("Training");
    expect(written?.fields.body.content).toContain("Bring &lt;your&gt; laptop");
    expect(written?.fields.attendees.map((a) => a.emailAddress.address)).toEqual(["ana@example.org"]);
    expect(written?.fields.location.displayName).toBe("Room 4");
    expect(written?.fields.showAs).toBe("busy");
    expect((await deliveries("event.written")).some((d) => d.event.id === id)).toBe(true);

    const again = await create(adele, {
      externalId: "training-1",
      start: "2030-01-23T19:00:00Z",
      end: "2030-01-23T20:30:00Z",
    });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(id);
    await settled(id, "update");
    expect(outlookEvents(id)).toHaveLength(1);
    expect(outlookEvents(id)[0]?.fields.start).toEqual({
      dateTime: "2030-01-23T19:00:00.0000000",
      timeZone: "UTC",
    });
    const byExternal = await ms.api("GET", "/v1/events?externalId=training-1");
    expect(byExternal.body.data.map((e: Json) => e.id)).toEqual([id]);

    const cancelled = await ms.api("DELETE", `/v1/events/${id}`, { reason: "Trainer is ill" });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: "cancelled", cancelReason: "Trainer is ill" });
    await settled(id, "cancel");
    const left = outlookEvents(id);
    expect(left.every((event) => event.fields.isCancelled)).toBe(true);
    // Each API write is in the audit log, naming the host and the event, never its title.
    const audit = await ms.service.store.executeSql(
      "select action, actor_kind, host_id, details from audit_log where details->>'managedEventId' = $1 order by at, id",
      [id],
    );
    expect(audit.rows.map((row) => (row as { action: string }).action)).toEqual([
      "managed_event.created",
      "managed_event.updated",
      "managed_event.cancelled",
    ]);
    expect(audit.rows[0]).toMatchObject({ actor_kind: "api_key", host_id: adele });
    expect(JSON.stringify(audit.rows)).not.toContain("Training");
  }, 60_000);

  it("removes slots while a blocking event holds the time; a non-blocking one is free in Outlook", async () => {
    expect(await slotsOn(ms.api, ms.slug, "2030-01-24")).toContain("18:00");
    const blocking = await create(adele, {
      externalId: "block-1",
      start: "2030-01-24T18:00:00Z",
      end: "2030-01-24T19:00:00Z",
    });
    expect(blocking.status).toBe(201);
    expect(await slotsOn(ms.api, ms.slug, "2030-01-24")).not.toContain("18:00");
    const free = await create(adele, {
      externalId: "free-1",
      start: "2030-01-24T20:00:00Z",
      end: "2030-01-24T21:00:00Z",
      blocksAvailability: false,
    });
    await settled(free.body.id, "create");
    expect(outlookEvents(free.body.id)[0]?.fields.showAs).toBe("free");
    await ms.syncNow(adele, adeleConnection);
    // The free copy is read back by the sync: it is ours and still there, not a deletion in the host's calendar.
    expect((await ms.api("GET", `/v1/events/${free.body.id}`)).body).toMatchObject({
      status: "active",
      calendarSync: [{ operation: "create", state: "written", warning: null }],
    });
    const slots = await slotsOn(ms.api, ms.slug, "2030-01-24");
    expect(slots).toContain("20:00");
    expect(slots).not.toContain("18:00");
    await ms.api("DELETE", `/v1/events/${blocking.body.id}`, { reason: "moved online" });
    await settled(blocking.body.id, "cancel");
    await ms.syncNow(adele, adeleConnection);
    expect(await slotsOn(ms.api, ms.slug, "2030-01-24")).toContain("18:00");
  }, 60_000);

  it("writes a weekly series as one Outlook series, with one occurrence moved and one removed", async () => {
    const series = await create(adele, {
      externalId: "weekly-1",
      start: "2030-02-04T09:00:00+01:00",
      end: "2030-02-04T10:00:00+01:00",
      recurrence: { rule: "FREQ=WEEKLY;BYDAY=MO;COUNT=4" },
    });
    expect(series.status, JSON.stringify(series.body)).toBe(201);
    const id = series.body.id;
    await settled(id, "create");
    const [master] = outlookEvents(id);
    expect(master?.type).toBe("seriesMaster");
    expect(master?.fields.recurrence?.pattern).toMatchObject({
      type: "weekly",
      interval: 1,
      daysOfWeek: ["monday"],
    });
    expect(master?.fields.recurrence?.range).toMatchObject({ type: "numbered", numberOfOccurrences: 4 });
    const moved = await ms.api("PATCH", `/v1/events/${id}`, {
      recurrence: {
        rule: "FREQ=WEEKLY;BYDAY=MO;COUNT=4",
        exdates: ["2030-02-18T08:00:00Z"],
        overrides: [
          {
            originalStart: "2030-02-11T08:00:00Z",
            start: "2030-02-12T13:00:00Z",
            end: "2030-02-12T14:00:00Z",
          },
        ],
      },
    });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    await settled(id, "update");
    const instances = await ms.service.store.executeSql(
      "select start_at from managed_event_occurrences where event_id = $1 order by start_at",
      [id],
    );
    expect(instances.rows.map((r) => new Date((r as { start_at: string }).start_at).toISOString())).toEqual([
      "2030-02-04T08:00:00.000Z",
      "2030-02-12T13:00:00.000Z",
      "2030-02-25T08:00:00.000Z",
    ]);
    const stored = outlookEvents(id);
    const exceptions = [...ms.sandbox.state.events.values()].filter(
      (e) => e.seriesMasterId === stored[0]?.id,
    );
    expect(exceptions.map((e) => [e.originalStart, e.fields.start.dateTime.slice(0, 16)])).toEqual([
      ["2030-02-11T08:00:00Z", "2030-02-12T13:00"],
    ]);
    expect(stored[0]?.cancelledOccurrences).toEqual(["2030-02-18T08:00:00Z"]);
  }, 60_000);

  it("makes a Teams meeting for a Teams event: its join URL is on the event and in event.written", async () => {
    const made = await create(adele, {
      externalId: "teams-1",
      start: "2030-01-25T18:00:00Z",
      end: "2030-01-25T19:00:00Z",
      location: { kind: "teams" },
    });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(made.body.joinUrl).toBeNull();
    const done = await settled(made.body.id, "create");
    const [written] = outlookEvents(made.body.id);
    const joinUrl = (written?.fields.onlineMeeting as { joinUrl?: string } | null | undefined)?.joinUrl;
    expect(joinUrl).toMatch(/^https:\/\/teams\.microsoft\.com\/l\/meetup-join\//);
    expect(done.joinUrl).toBe(joinUrl);
    expect(done.calendarSync).toEqual([expect.objectContaining({ joinUrl, warning: null })]);
    const hook = (await deliveries("event.written")).find((data) => data.event.id === made.body.id);
    expect(hook.event.joinUrl).toBe(joinUrl);
  }, 60_000);

  it("writes a collective event to each host's calendar", async () => {
    const both = await create(adele, {
      externalId: "collective-1",
      start: "2030-01-28T18:00:00Z",
      end: "2030-01-28T19:00:00Z",
      hostIds: [megan],
    });
    expect(both.status).toBe(201);
    const done = await settled(both.body.id, "create");
    expect(done.calendarSync.map((s: Json) => s.connectionId).sort()).toEqual(
      [adeleConnection, meganConnection].sort(),
    );
    expect(new Set(outlookEvents(both.body.id).map((e) => e.mailboxId)).size).toBe(2);
    const listed = await ms.api("GET", `/v1/hosts/${megan}/events`);
    expect(listed.body.data.map((e: Json) => e.id)).toContain(both.body.id);
  }, 60_000);

  it("pages the list with a cursor and filters by time range", async () => {
    for (const day of ["10", "11", "12"]) {
      await create(megan, {
        externalId: `page-${day}`,
        start: `2030-03-${day}T10:00:00Z`,
        end: `2030-03-${day}T11:00:00Z`,
      });
    }
    const range = "from=2030-03-01T00:00:00Z&to=2030-04-01T00:00:00Z";
    const first = await ms.api("GET", `/v1/events?${range}&limit=2`);
    expect(first.body.data.map((e: Json) => e.externalId)).toEqual(["page-10", "page-11"]);
    const second = await ms.api("GET", `/v1/events?${range}&limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.data.map((e: Json) => e.externalId)).toEqual(["page-12"]);
    expect(second.body.nextCursor).toBeNull();
    expect((await ms.api("GET", "/v1/events?cursor=bogus")).status).toBe(400);
  }, 60_000);

  it("tells the app of the host's move and deletion in Outlook, under each policy", async () => {
    const syncUntil = async <T>(what: string, probe: () => Promise<T | undefined>): Promise<T> => {
      for (let attempt = 0; ; attempt++) {
        await ms.syncNow(adele, adeleConnection);
        const value = await probe();
        if (value !== undefined) return value;
        if (attempt >= 4) throw new Error(`no sync brought ${what}`);
      }
    };
    const hook = (type: string, id: string) => async () =>
      (await deliveries(type)).find((data) => data.event.id === id);
    const make = async (externalId: string, day: string, policy?: string) => {
      const made = await create(adele, {
        externalId,
        start: `2030-01-${day}T18:00:00Z`,
        end: `2030-01-${day}T19:00:00Z`,
        ...(policy ? { calendarChangePolicy: policy } : {}),
      });
      expect(made.status).toBe(201);
      await settled(made.body.id, "create");
      await ms.syncNow(adele, adeleConnection);
      return made.body.id as string;
    };
    const moveInOutlook = (id: string, start: string, end: string) =>
      ms.admin("events/change", {
        account: "adele@contoso.com",
        eventId: outlookEvents(id)[0]!.id,
        patch: { start: { dateTime: start, timeZone: "UTC" }, end: { dateTime: end, timeZone: "UTC" } },
      });

    // notify (the tenant's default): the record stays, the app hears the new times.
    const notified = await make("policy-notify", "14");
    await moveInOutlook(notified, "2030-01-14T20:00:00", "2030-01-14T21:00:00");
    const told = await syncUntil("the notify webhook", hook("event.changed_in_calendar", notified));
    expect(told).toMatchObject({
      policy: "notify",
      calendar: {
        connectionId: adeleConnection,
        start: "2030-01-14T20:00:00.000Z",
        end: "2030-01-14T21:00:00.000Z",
      },
    });
    expect((await ms.api("GET", `/v1/events/${notified}`)).body.start).toBe("2030-01-14T18:00:00.000Z");

    // accept (per event): the record follows the calendar.
    const accepted = await make("policy-accept", "15", "accept");
    await moveInOutlook(accepted, "2030-01-15T20:00:00", "2030-01-15T21:00:00");
    await syncUntil("the accept webhook", hook("event.changed_in_calendar", accepted));
    expect((await ms.api("GET", `/v1/events/${accepted}`)).body).toMatchObject({
      start: "2030-01-15T20:00:00.000Z",
      end: "2030-01-15T21:00:00.000Z",
    });

    // restore (the tenant's setting now): the host's deletion is undone once, with a new event.
    expect(
      (await ms.api("PATCH", "/v1/tenant", { calendarChangePolicy: "restore" })).body.calendarChangePolicy,
    ).toBe("restore");
    const restored = await make("policy-restore", "16");
    const firstCopy = outlookEvents(restored)[0]!.id;
    await ms.admin("events/delete", { account: "adele@contoso.com", eventId: firstCopy });
    const deleted = await syncUntil("the restore webhook", hook("event.deleted_in_calendar", restored));
    expect(deleted.policy).toBe("restore");
    await settled(restored, "create");
    const copies = outlookEvents(restored).filter((event) => !event.fields.isCancelled);
    expect(copies).toHaveLength(1);
    expect(copies[0]!.id).not.toBe(firstCopy);

    // accept on a deletion cancels the event.
    await ms.api("PATCH", "/v1/tenant", { calendarChangePolicy: "accept" });
    const gone = await make("policy-accept-delete", "17");
    await ms.admin("events/delete", { account: "adele@contoso.com", eventId: outlookEvents(gone)[0]!.id });
    await syncUntil("the deletion webhook", hook("event.deleted_in_calendar", gone));
    expect((await ms.api("GET", `/v1/events/${gone}`)).body.status).toBe("cancelled");
    await ms.api("PATCH", "/v1/tenant", { calendarChangePolicy: "notify" });
  }, 120_000);

  it("tells the app of one occurrence moved or deleted in Outlook, and accept records it on the series", async () => {
    const hook = (type: string, id: string, originalStart: string) => async () =>
      (await deliveries(type)).find(
        (data) => data.event.id === id && data.calendar.originalStart === originalStart,
      );
    const syncUntil = async <T>(what: string, probe: () => Promise<T | undefined>): Promise<T> =>
      waitFor(what, async () => {
        await ms.syncNow(adele, adeleConnection);
        return probe();
      });
    const series = async (externalId: string, hour: string, policy: string) => {
      const made = await create(adele, {
        externalId,
        start: `2030-01-22T${hour}:00:00Z`,
        end: `2030-01-22T${hour}:30:00Z`,
        recurrence: { rule: "FREQ=WEEKLY;BYDAY=TU;COUNT=4" },
        calendarChangePolicy: policy,
      });
      expect(made.status, JSON.stringify(made.body)).toBe(201);
      await settled(made.body.id, "create");
      await ms.syncNow(adele, adeleConnection);
      const master = outlookEvents(made.body.id)[0]!;
      return { id: made.body.id as string, occurrence: (at: string) => occurrenceId(master.id, at) };
    };
    const moveOccurrence = (eventId: string, start: string, end: string) =>
      ms.admin("events/change", {
        account: "adele@contoso.com",
        eventId,
        patch: { start: { dateTime: start, timeZone: "UTC" }, end: { dateTime: end, timeZone: "UTC" } },
      });

    // notify: the app hears the moved and the deleted occurrence (original start and new times); the record stays.
    const told = await series("occ-notify", "07", "notify");
    await moveOccurrence(
      told.occurrence("2030-01-29T07:00:00Z"),
      "2030-01-30T12:00:00",
      "2030-01-30T12:30:00",
    );
    const moved = await syncUntil(
      "the occurrence move",
      hook("event.changed_in_calendar", told.id, "2030-01-29T07:00:00.000Z"),
    );
    expect(moved).toMatchObject({
      policy: "notify",
      calendar: {
        connectionId: adeleConnection,
        start: "2030-01-30T12:00:00.000Z",
        end: "2030-01-30T12:30:00.000Z",
      },
    });
    const removal = await ms.admin("events/delete", {
      account: "adele@contoso.com",
      eventId: told.occurrence("2030-02-05T07:00:00Z"),
    });
    expect(removal.status).toBe(200);
    const deleted = await syncUntil(
      "the occurrence deletion",
      hook("event.deleted_in_calendar", told.id, "2030-02-05T07:00:00.000Z"),
    );
    expect(deleted.policy).toBe("notify");
    const kept = (await ms.api("GET", `/v1/events/${told.id}`)).body;
    expect(kept.recurrence).toEqual({ rule: "FREQ=WEEKLY;BYDAY=TU;COUNT=4", exdates: [], overrides: [] });
    expect(kept.calendarSync[0].warning).toMatch(/^occurrence 2030-02-05T07:00:00.000Z deleted/);
    // Told once each: further syncs repeat nothing.
    await ms.syncNow(adele, adeleConnection);
    const twice = (await deliveries("event.changed_in_calendar")).filter((d) => d.event.id === told.id);
    expect(twice).toHaveLength(1);
    expect(
      (await deliveries("event.deleted_in_calendar")).filter((d) => d.event.id === told.id),
    ).toHaveLength(1);

    // accept: the move becomes an override and the deletion an EXDATE of our record.
    const taken = await series("occ-accept", "10", "accept");
    await moveOccurrence(
      taken.occurrence("2030-01-29T10:00:00Z"),
      "2030-01-29T14:00:00",
      "2030-01-29T14:30:00",
    );
    await syncUntil(
      "the accepted move",
      hook("event.changed_in_calendar", taken.id, "2030-01-29T10:00:00.000Z"),
    );
    await ms.admin("events/delete", {
      account: "adele@contoso.com",
      eventId: taken.occurrence("2030-02-12T10:00:00Z"),
    });
    await syncUntil(
      "the accepted deletion",
      hook("event.deleted_in_calendar", taken.id, "2030-02-12T10:00:00.000Z"),
    );
    const followed = (await ms.api("GET", `/v1/events/${taken.id}`)).body;
    expect(followed.recurrence).toEqual({
      rule: "FREQ=WEEKLY;BYDAY=TU;COUNT=4",
      exdates: ["2030-02-12T10:00:00.000Z"],
      overrides: [
        {
          originalStart: "2030-01-29T10:00:00.000Z",
          start: "2030-01-29T14:00:00.000Z",
          end: "2030-01-29T14:30:00.000Z",
        },
      ],
    });
    expect(followed.calendarSync).toEqual([expect.objectContaining({ state: "written", warning: null })]);
  }, 120_000);

  it("tells the app of a deletion in Outlook that no sync saw (deleted right after it was written)", async () => {
    await ms.syncNow(adele, adeleConnection);
    // No notification announces the event, and the next delta round does not name an event it never showed.
    await ms.admin("notifications", { mode: "drop", count: 100 });
    let id: string;
    try {
      const made = await create(adele, {
        externalId: "unseen-delete",
        start: "2030-01-18T18:00:00Z",
        end: "2030-01-18T19:00:00Z",
        calendarChangePolicy: "accept",
      });
      expect(made.status).toBe(201);
      id = made.body.id;
      await settled(id, "create");
      const eventId = outlookEvents(id)[0]!.id;
      expect((await ms.admin("events/delete", { account: "adele@contoso.com", eventId })).status).toBe(200);
    } finally {
      await ms.admin("notifications", { mode: "normal" });
    }
    const told = await waitFor("the deletion webhook", async () => {
      await ms.syncNow(adele, adeleConnection);
      return (await deliveries("event.deleted_in_calendar")).find((data) => data.event.id === id);
    });
    expect(told).toMatchObject({ policy: "accept", calendar: { connectionId: adeleConnection } });
    expect((await ms.api("GET", `/v1/events/${id}`)).body.status).toBe("cancelled");
  }, 60_000);

  it("has per-connection switches: busy on, import off, export on by default; export off writes nothing, busy off stops blocking", async () => {
    const path = `/v1/hosts/${megan}/connections/${meganConnection}`;
    expect((await ms.api("GET", path)).body.switches).toEqual({ busy: true, import: false, export: true });
    expect((await ms.api("PATCH", path, {})).status).toBe(400);
    const off = await ms.api("PATCH", path, { export: false });
    expect(off.status).toBe(200);
    expect(off.body.switches).toEqual({ busy: true, import: false, export: false });
    const quiet = await create(megan, {
      externalId: "not-exported",
      start: "2030-01-29T18:00:00Z",
      end: "2030-01-29T19:00:00Z",
    });
    expect(quiet.status).toBe(201);
    expect(quiet.body.calendarSync).toEqual([]);
    expect(outlookEvents(quiet.body.id)).toEqual([]);
    await ms.api("PATCH", path, { export: true });

    // Adele's seeded Outlook events take slots on 2030-01-08; with her busy switch off they no longer do.
    const adelePath = `/v1/hosts/${adele}/connections/${adeleConnection}`;
    const blocked = await slotsOn(ms.api, ms.slug, "2030-01-08");
    expect((await ms.api("PATCH", adelePath, { busy: false })).body.switches.busy).toBe(false);
    const open = await slotsOn(ms.api, ms.slug, "2030-01-08");
    expect(open.length).toBeGreaterThan(blocked.length);
    expect(open).toEqual(expect.arrayContaining(blocked));
    await ms.api("PATCH", adelePath, { busy: true });
    expect(await slotsOn(ms.api, ms.slug, "2030-01-08")).toEqual(blocked);
  }, 60_000);

  it.each([
    [
      "end before start",
      { start: "2030-01-23T19:00:00Z", end: "2030-01-23T18:00:00Z" },
      "end must be after start",
    ],
    ["an unknown zone", { timeZone: "Mars/Olympus" }, "unknown time zone"],
    [
      "an RRULE outside the subset",
      { recurrence: { rule: "FREQ=YEARLY" } },
      "FREQ must be DAILY, WEEKLY or MONTHLY",
    ],
    [
      "1,000 attendees",
      { attendees: Array.from({ length: 1000 }, (_, i) => ({ email: `a${i}@example.org` })) },
      "at most 100 attendees",
    ],
    ["a 1 MB description", { description: "x".repeat(1024 * 1024) }, "description must be at most"],
  ])("refuses %s with a 400 and stores or writes nothing", async (_, patch, message) => {
    const before = await counts();
    const answer = await create(adele, {
      externalId: "bad-1",
      start: "2030-01-23T18:00:00Z",
      end: "2030-01-23T19:00:00Z",
      ...patch,
    });
    expect(answer.status).toBe(400);
    expect(JSON.stringify(answer.body.error)).toContain(message);
    expect(await counts()).toEqual(before);
    expect((await ms.api("GET", "/v1/events?externalId=bad-1")).body.data).toEqual([]);
  });
});
