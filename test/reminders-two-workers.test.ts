import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../src/config.ts";
import { type Service, startService } from "../src/main.ts";
import { generateKeySpec } from "../src/secrets/key-ring.ts";
import { createApiKey, createTenant } from "../src/store/tenants-repository.ts";
import { apiCaller } from "./support/api-call.ts";
import { startMailCatcher, waitFor } from "./support/mail-catcher.ts";
import { backends, createScratchDatabase } from "./support/test-stores.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const BOOKINGS = 8;

/**
 * Two service processes' worth of job engines and reminder pollers (every 30 ms each) on one PostgreSQL database and
 * one test clock: every due reminder is claimed by one of them, so each goes out once (one mail, one webhook).
 */
describe.runIf(backends.includes("postgres"))("reminders with two workers on postgres", () => {
  it("sends each reminder exactly once", async () => {
    let clock = new Date();
    const base = new Date(Math.ceil(Date.now() / DAY) * DAY + DAY);
    const mail = await startMailCatcher();
    const scratch = await createScratchDatabase();
    const dirs: string[] = [];
    const services: Service[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        const dataDir = mkdtempSync(join(tmpdir(), "calbridge-reminder-workers-"));
        dirs.push(dataDir);
        services.push(
          await startService(
            parseConfig({
              PORT: "0",
              DATA_DIR: dataDir,
              SANDBOX: "off",
              LOG_LEVEL: "silent",
              SMTP_URL: `smtp://127.0.0.1:${mail.port}`,
              MAIL_FROM: "Remind Co <bookings@remind.example>",
              ENCRYPTION_KEYS: generateKeySpec("k1"),
              DATABASE_URL: scratch.url,
            }),
            { now: () => clock, reminderPollMs: 30 },
          ),
        );
      }
      const [first] = services as [Service, Service];
      const tenant = await createTenant(first.store.db, { name: "Two Workers" });
      const { key } = await createApiKey(first.store.db, { tenantId: tenant.id, name: "t" });
      const api = apiCaller(
        () => first.url,
        () => ({ authorization: `Bearer ${key}`, "content-type": "application/json" }),
      );
      const host = await api("POST", "/v1/hosts", { name: "Hana", timeZone: "UTC" });
      const allWeek = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((day) => [
        day,
        [["00:00", "24:00"]],
      ]);
      await api("POST", `/v1/hosts/${host.id}/schedules`, {
        timeZone: "UTC",
        weekly: Object.fromEntries(allWeek),
      });
      await api("POST", "/v1/event-types", {
        slug: "consult",
        title: "Consultation",
        durations: [30],
        hostIds: [host.id],
        reminders: { offsetsMinutes: [1440] },
      });
      await api("POST", "/v1/webhook-endpoints", { url: "https://hooks.remind.example/in" });
      for (let i = 0; i < BOOKINGS; i++) {
        const response = await fetch(`${first.url}/v1/public/two-workers/consult/bookings`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            start: new Date(base.getTime() + 10 * HOUR + i * 30 * 60_000).toISOString(),
            timeZone: "UTC",
            name: `Attendee ${i}`,
            email: `a${i}@attendee.example`,
          }),
        });
        expect(response.status).toBe(201);
      }
      // Every booking's 24 h reminder is due at once (the last one's just now), in front of both pollers.
      clock = new Date(base.getTime() - DAY + 10 * HOUR + (BOOKINGS - 1) * 30 * 60_000);
      const reminderMails = () =>
        mail.mails.filter((m) => m.includes("A reminder of your upcoming appointment."));
      await waitFor("every reminder mail", () => reminderMails().length >= BOOKINGS);
      // Time for a duplicate to show up, if either worker sent one again.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(reminderMails()).toHaveLength(BOOKINGS);
      for (let i = 0; i < BOOKINGS; i++)
        expect(reminderMails().filter((m) => m.includes(`a${i}@attendee.example`))).toHaveLength(1);
      const hooks = await first.store.executeSql(
        "select count(*)::int as n from webhook_deliveries where event_type = 'booking.reminder_due'",
        [],
      );
      expect((hooks.rows[0] as { n: number }).n).toBe(BOOKINGS);
      const states = await first.store.executeSql(
        "select state, count(*)::int as n from reminders group by state",
        [],
      );
      expect(states.rows).toEqual([{ state: "sent", n: BOOKINGS }]);
    } finally {
      for (const service of services) await service.stop();
      await mail.close();
      await scratch.drop();
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
