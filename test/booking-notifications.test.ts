import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../src/config.ts";
import { startService } from "../src/main.ts";
import { verifyWebhook } from "../src/notify/webhooks/webhook-signature.ts";
import { generateKeySpec } from "../src/secrets/key-ring.ts";
import { createApiKey, createTenant } from "../src/store/tenants-repository.ts";
import { startMailCatcher } from "./support/mail-catcher.ts";
import { backends, createScratchDatabase } from "./support/test-stores.ts";

/**
 * The whole service as `npm start` builds it: a booking sends an invitation over real SMTP (with the .ics as
 * text/calendar; method=REQUEST) and a signed booking.created webhook, both from background jobs.
 */
describe.each(backends)("booking notifications through the running service on %s", (backend) => {
  it("mails the invitation and delivers a signed webhook; a cancellation mails METHOD:CANCEL", async () => {
    const catcher = await startMailCatcher();
    const mails = catcher.mails;
    const smtpPort = catcher.port;

    const hooks: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
    const receiver = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk) => {
        body += chunk;
      });
      request.on("end", () => {
        hooks.push({ headers: request.headers, body });
        response.writeHead(204).end();
      });
    });
    receiver.listen(0, "127.0.0.1");
    await once(receiver, "listening");
    const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;

    const dataDir = mkdtempSync(join(tmpdir(), "calbridge-notify-"));
    const scratch = backend === "postgres" ? await createScratchDatabase() : undefined;
    const service = await startService(
      parseConfig({
        PORT: "0",
        DATA_DIR: dataDir,
        SANDBOX: "off",
        LOG_LEVEL: "silent",
        SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
        // The webhook receiver runs on 127.0.0.1: refused by the SSRF guard unless allow-listed.
        OUTBOUND_ALLOW: "127.0.0.1",
        MAIL_FROM: "Expert Market <bookings@market.example>",
        ENCRYPTION_KEYS: generateKeySpec("k1"),
        ...(scratch ? { DATABASE_URL: scratch.url } : {}),
      }),
    );
    try {
      const tenant = await createTenant(service.store.db, { name: "Notify Co" });
      const { key } = await createApiKey(service.store.db, { tenantId: tenant.id, name: "t" });
      const api = async (method: string, path: string, body?: unknown) => {
        const response = await fetch(`${service.url}${path}`, {
          method,
          headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        return {
          status: response.status,
          json: (await response.json()) as Record<string, unknown> & { id: string },
        };
      };
      const host = await api("POST", "/v1/hosts", {
        name: "Hana Host",
        email: "hana@market.example",
        timeZone: "UTC",
      });
      const allWeek = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((day) => [
        day,
        [["00:00", "24:00"]],
      ]);
      await api("POST", `/v1/hosts/${host.json.id}/schedules`, {
        timeZone: "UTC",
        weekly: Object.fromEntries(allWeek),
      });
      await api("POST", "/v1/event-types", {
        slug: "consult",
        title: "Consultation",
        durations: [30],
        hostIds: [host.json.id],
      });
      const endpoint = await api("POST", "/v1/webhook-endpoints", {
        url: receiverUrl,
        eventTypes: ["booking.created", "booking.cancelled"],
      });
      expect(endpoint.status).toBe(201);
      const secret = endpoint.json.secret as string;

      const tomorrow = new Date(Date.now() + 86_400_000);
      tomorrow.setUTCHours(10, 0, 0, 0);
      const booked = await fetch(`${service.url}/v1/public/notify-co/consult/bookings`, {
        method: "POST",
        headers: { "content-type": "application/json", "idempotency-key": "notify-0001" },
        body: JSON.stringify({
          start: tomorrow.toISOString(),
          timeZone: "Europe/Paris",
          name: "Ada Attendee",
          email: "ada@example.com",
        }),
      });
      expect(booked.status).toBe(201);
      const booking = (await booked.json()) as { id: string; icalUid: string; links: { cancel: string } };

      const deadline = Date.now() + 60_000;
      while ((mails.length < 2 || hooks.length < 1) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 200));
      // The attendee and the host (no calendar connected) each get the invitation.
      expect(mails).toHaveLength(2);
      const toAttendee = mails.find((mail) => mail.includes("To: Ada Attendee <ada@example.com>"))!;
      expect(toAttendee).toMatch(
        /^Subject: (Invitation: Consultation|=\?UTF-8\?Q\?Invitation=3A_Consultation)/m,
      );
      expect(toAttendee).toMatch(/Content-Type: text\/calendar; charset=utf-8; method=REQUEST/i);
      expect(toAttendee.replace(/=\r?\n/g, "")).toContain(booking.icalUid);
      expect(mails.some((mail) => mail.includes("To: Hana Host <hana@market.example>"))).toBe(true);

      expect(hooks).toHaveLength(1);
      const [hook] = hooks;
      const verified = verifyWebhook({
        secret,
        headers: hook!.headers,
        payload: hook!.body,
        now: new Date(),
      });
      expect(verified.ok).toBe(true);
      const event = JSON.parse(hook!.body) as {
        type: string;
        data: { booking: { id: string; attendee: { email: string } } };
      };
      expect(event.type).toBe("booking.created");
      expect(event.data.booking).toMatchObject({ id: booking.id, attendee: { email: "ada@example.com" } });

      // PORT=0 leaves PUBLIC_URL at port 0; the link's path is what matters here.
      const cancelled = await fetch(`${service.url}${new URL(booking.links.cancel).pathname}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ reason: "Double-booked myself" }),
      });
      expect(cancelled.status).toBe(200);
      while ((mails.length < 4 || hooks.length < 2) && Date.now() < deadline + 30_000)
        await new Promise((r) => setTimeout(r, 200));
      const cancelMail = mails.slice(2).find((mail) => mail.includes("ada@example.com"))!;
      expect(cancelMail).toMatch(/method=CANCEL/i);
      expect(JSON.parse(hooks[1]!.body).type).toBe("booking.cancelled");
      const log = await api("GET", `/v1/webhook-endpoints/${endpoint.json.id}/deliveries`);
      expect(JSON.stringify(log.json)).toContain("succeeded");
    } finally {
      await service.stop();
      await catcher.close();
      receiver.close();
      await scratch?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
