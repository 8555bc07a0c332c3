import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../src/config.ts";
import { type Service, startService } from "../src/main.ts";
import { generateKeySpec } from "../src/secrets/key-ring.ts";
import type { TenantId } from "../src/store/ids.ts";
import { listReminders } from "../src/store/reminders-repository.ts";
import { createApiKey, createTenant } from "../src/store/tenants-repository.ts";
import { apiCaller } from "./support/api-call.ts";
import { startMailCatcher, waitFor } from "./support/mail-catcher.ts";
import { backends, createScratchDatabase } from "./support/test-stores.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const REMINDER_LEAD = "A reminder of your upcoming appointment.";

/**
 * Reminders through the running service on a test clock: the clock is moved past each offset and the poller (every
 * 100 ms here) sends the mail and the webhook. Times are whole days after tomorrow 00:00 UTC, all in the future.
 */
describe.each(backends)("reminders on %s", (backend) => {
  let clock = new Date();
  const base = new Date(Math.ceil(Date.now() / DAY) * DAY + DAY);
  const at = (ms: number) => new Date(base.getTime() + ms);
  let service: Service;
  let mail: Awaited<ReturnType<typeof startMailCatcher>>;
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>> | undefined;
  let dataDir: string;
  let tenantId: TenantId;
  let api: ReturnType<typeof apiCaller>;
  let raw: (
    method: string,
    path: string,
    body?: unknown,
  ) => Promise<{ status: number; json: Record<string, unknown> }>;
  let hostId: string;
  const reminderMailsTo = (address: string) => mail.mails.filter((m) => m.includes(address) && isReminder(m));
  /** The reminder webhooks in the outbox (one row per endpoint and event), oldest first. */
  const hooks = async () =>
    (
      await service.store.executeSql(
        "select event_type, payload from webhook_deliveries where event_type like '%.reminder_due' order by created_at, id",
        [],
      )
    ).rows.map((row) => ({
      type: row.event_type as string,
      data: (typeof row.payload === "string" ? JSON.parse(row.payload) : row.payload).data as Record<
        string,
        unknown
      >,
    }));
  const isReminder = (m: string) =>
    m.includes(REMINDER_LEAD) || m.includes("Eine Erinnerung an Ihren bevorstehenden Termin.");
  const book = async (start: Date, email: string, locale?: string) => {
    const response = await fetch(`${service.url}/v1/public/remind-co/consult/bookings`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        start: start.toISOString(),
        timeZone: "America/New_York",
        name: "Ada",
        email,
        ...(locale ? { locale } : {}),
      }),
    });
    expect(response.status).toBe(201);
    return (await response.json()) as { id: string };
  };

  beforeAll(async () => {
    mail = await startMailCatcher();
    dataDir = mkdtempSync(join(tmpdir(), "calbridge-reminders-"));
    scratch = backend === "postgres" ? await createScratchDatabase() : undefined;
    service = await startService(
      parseConfig({
        PORT: "0",
        DATA_DIR: dataDir,
        SANDBOX: "off",
        LOG_LEVEL: "silent",
        SMTP_URL: `smtp://127.0.0.1:${mail.port}`,
        OUTBOUND_ALLOW: "127.0.0.1",
        MAIL_FROM: "Remind Co <bookings@remind.example>",
        ENCRYPTION_KEYS: generateKeySpec("k1"),
        ...(scratch ? { DATABASE_URL: scratch.url } : {}),
      }),
      { now: () => clock, reminderPollMs: 100 },
    );
    const tenant = await createTenant(service.store.db, { name: "Remind Co" });
    tenantId = tenant.id;
    const { key } = await createApiKey(service.store.db, { tenantId, name: "t" });
    const headers = { authorization: `Bearer ${key}`, "content-type": "application/json" };
    api = apiCaller(
      () => service.url,
      () => headers,
    );
    raw = async (method, path, body) => {
      const response = await fetch(`${service.url}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, json: (await response.json()) as Record<string, unknown> };
    };
    hostId = (await api("POST", "/v1/hosts", { name: "Hana", email: "hana@remind.example", timeZone: "UTC" }))
      .id;
    const allWeek = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((day) => [
      day,
      [["00:00", "24:00"]],
    ]);
    await api("POST", `/v1/hosts/${hostId}/schedules`, {
      timeZone: "UTC",
      weekly: Object.fromEntries(allWeek),
    });
    const eventType = await api("POST", "/v1/event-types", {
      slug: "consult",
      title: "Consultation",
      durations: [30],
      hostIds: [hostId],
      location: { kind: "link", value: "https://meet.remind.example/room" },
    });
    expect(eventType.reminders).toEqual({ offsetsMinutes: [1440, 60], notifyHost: false });
    // The outbox is read below: the delivery jobs run on the wall clock, this test's clock is days ahead of it.
    await api("POST", "/v1/webhook-endpoints", {
      url: "https://hooks.remind.example/in",
      eventTypes: ["booking.reminder_due", "event.reminder_due"],
    });
    // Starting the embedded database is slow on a loaded machine (a minute has been seen on CI's two cores).
  }, 180_000);

  afterAll(async () => {
    await service?.stop();
    await mail?.close();
    await scratch?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("refuses bad offsets with a 400 and a message", async () => {
    const cases: Array<[unknown, string]> = [
      [{ offsetsMinutes: [2] }, "at least 5 minutes"],
      [{ offsetsMinutes: [50_000] }, "at most 43200"],
      [{ offsetsMinutes: [60, 60] }, "distinct"],
      [{ offsetsMinutes: [10, 20, 30, 40, 50] }, "at most 4"],
    ];
    for (const [reminders, message] of cases) {
      const typed = await raw("POST", "/v1/event-types", {
        slug: "bad",
        title: "Bad",
        durations: [30],
        hostIds: [hostId],
        reminders,
      });
      expect(typed.status).toBe(400);
      expect(JSON.stringify(typed.json)).toContain(message);
      const managed = await raw("POST", `/v1/hosts/${hostId}/events`, {
        externalId: "bad",
        title: "Bad",
        start: at(DAY).toISOString(),
        end: at(DAY + HOUR).toISOString(),
        timeZone: "UTC",
        reminders,
      });
      expect(managed.status).toBe(400);
      expect(JSON.stringify(managed.json)).toContain(message);
    }
    expect((await api("GET", "/v1/event-types")).data).toHaveLength(1);
    expect((await api("GET", "/v1/events")).data).toHaveLength(0);
  });

  it("sends at the offsets, follows a reschedule, drops a cancel, skips an offset passed at booking", async () => {
    const first = await book(at(3 * DAY + 10 * HOUR), "one@attendee.example", "de");
    const moved = await book(at(3 * DAY + 12 * HOUR), "two@attendee.example");
    const cancelled = await book(at(3 * DAY + 14 * HOUR), "three@attendee.example");
    await api("POST", `/v1/bookings/${moved.id}/reschedule`, {
      start: at(5 * DAY + 12 * HOUR).toISOString(),
    });
    await api("POST", `/v1/bookings/${cancelled.id}/cancel`, { reason: "no longer needed" });
    const series = await api("POST", `/v1/hosts/${hostId}/events`, {
      externalId: "training-1",
      title: "Training",
      start: at(3 * DAY + 16 * HOUR).toISOString(),
      end: at(3 * DAY + 17 * HOUR).toISOString(),
      timeZone: "Europe/Paris",
      location: { kind: "link", value: "https://meet.remind.example/training" },
      attendees: [{ email: "Trainee@Attendee.example", name: "Tia", locale: "fr", timeZone: "Europe/Paris" }],
      recurrence: { rule: "FREQ=DAILY;COUNT=2" },
      reminders: { offsetsMinutes: [60], notifyHost: true },
    });
    const states = async (id: string) =>
      (await listReminders(service.store.db, tenantId, id))
        .map((r) => `${r.offsetMinutes}:${r.state}`)
        .sort();
    expect(await states(first.id)).toEqual(["1440:pending", "60:pending"]);
    expect(await states(cancelled.id)).toEqual(["1440:dropped", "60:dropped"]);
    // Two occurrences, attendee and host, one offset.
    expect(await states(series.id)).toHaveLength(4);

    // Just past the first booking's 24 h offset: its reminder, nothing else (the moved one's old time is later).
    clock = at(2 * DAY + 10 * HOUR + 60_000);
    await waitFor("the 24 h reminder", () => reminderMailsTo("one@attendee.example").length === 1);
    const german = reminderMailsTo("one@attendee.example")[0]!;
    expect(german).toContain("Teilnehmen: https://meet.remind.example/room");
    expect(german).toContain("(America/New_York)");
    expect(german).toContain("/v1/public/bookings/");
    await waitFor("its webhook", async () => (await hooks()).length === 1);
    expect((await hooks())[0]).toMatchObject({
      type: "booking.reminder_due",
      data: { booking: { id: first.id }, offsetMinutes: 1440, recipient: { email: "one@attendee.example" } },
    });

    // Past the moved booking's old 24 h time and the cancelled one's: neither is sent.
    clock = at(2 * DAY + 14 * HOUR + 60_000);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(reminderMailsTo("two@attendee.example")).toHaveLength(0);
    expect(reminderMailsTo("three@attendee.example")).toHaveLength(0);

    // The 1 h reminder of the first booking; then a booking made 29 minutes before its start gets none.
    clock = at(3 * DAY + 9 * HOUR + 60_000);
    await waitFor("the 1 h reminder", () => reminderMailsTo("one@attendee.example").length === 2);
    const late = await book(at(3 * DAY + 9 * HOUR + 30 * 60_000), "late@attendee.example");
    expect(await states(late.id)).toEqual([]);

    // The series' first occurrence: attendee (French, Paris time) and host, one event.reminder_due each.
    clock = at(3 * DAY + 15 * HOUR + 60_000);
    await waitFor("the event reminders", async () => (await hooks()).length === 4);
    await waitFor(
      "the event mails",
      () => mail.mails.filter((m) => m.includes("Un rappel de votre")).length === 1,
    );
    const french = mail.mails.find((m) => m.includes("Un rappel de votre"))!;
    expect(french).toContain("trainee@attendee.example");
    expect(french).toContain("(Europe/Paris)");
    expect(french).toContain("https://meet.remind.example/training");
    const eventHooks = (await hooks()).filter((hook) => hook.type === "event.reminder_due");
    expect(eventHooks.map((hook) => (hook.data.recipient as { kind: string }).kind).sort()).toEqual([
      "attendee",
      "host",
    ]);
    expect(eventHooks[0]!.data).toMatchObject({
      event: { id: series.id },
      occurrence: { start: at(3 * DAY + 16 * HOUR).toISOString() },
    });

    // The moved booking's new 24 h time.
    clock = at(4 * DAY + 12 * HOUR + 60_000);
    await waitFor("the moved booking's reminder", () => reminderMailsTo("two@attendee.example").length === 1);
    expect(await states(moved.id)).toEqual(["1440:sent", "60:pending"]);
    expect(await states(cancelled.id)).toEqual(["1440:dropped", "60:dropped"]);
    // Once each: nothing more arrives for what was sent.
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(reminderMailsTo("one@attendee.example")).toHaveLength(2);
    expect((await hooks()).filter((hook) => hook.type === "booking.reminder_due")).toHaveLength(3);
  }, 60_000);
});
