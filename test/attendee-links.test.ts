import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signBookingLink } from "../src/scheduling/booking-links.ts";
import type { BookingRouteDeps } from "../src/server/routes/booking-context.ts";
import type { Store } from "../src/store/database.ts";
import { buildBookingTestApp } from "./support/booking-test-app.ts";
import { createTestTenant } from "./support/test-app.ts";
import { backends, openTestStore } from "./support/test-stores.ts";

// What Firefox sends when a link is opened.
const BROWSER = { accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8" };
const FORM = { ...BROWSER, "content-type": "application/x-www-form-urlencoded" };

describe.each(backends)("attendee links opened in a browser on %s", (backend) => {
  let store: Store;
  let dispose: () => Promise<void>;
  let app: FastifyInstance;
  let deps: BookingRouteDeps;
  let tenantSlug: string;
  let tenantId: string;
  let nextStart = Date.parse("2030-03-04T09:00:00Z");

  /** A fresh booking each time (Monday 2030-03-04, 09:00 UTC on), and the path of its manage link. */
  const book = async () => {
    const start = new Date(nextStart).toISOString();
    nextStart += 30 * 60_000;
    const response = await app.inject({
      method: "POST",
      url: `/v1/public/${tenantSlug}/intro-call/bookings`,
      payload: { start, timeZone: "America/New_York", name: "Ina <i>Invitee</i>", email: "ina@example.com" },
    });
    expect(response.statusCode).toBe(201);
    const booking = response.json() as { id: string; links: { manage: string; reschedule: string } };
    const path = new URL(booking.links.manage).pathname;
    return { booking, path, token: path.split("/").at(-1)! };
  };

  const postCancel = (url: string, headers: Record<string, string>, payload: string | object) =>
    app.inject({ method: "POST", url: `${url}/cancel`, headers, payload });

  beforeAll(async () => {
    ({ store, dispose } = await openTestStore(backend));
    ({ app, booking: deps } = await buildBookingTestApp(store));
    const tenant = await createTestTenant(store, "Link Co");
    ({ tenantId } = tenant);
    tenantSlug = tenant.slug;
    const post = (url: string, payload: Record<string, unknown>) =>
      app.inject({ method: "POST", url, headers: tenant.auth, payload });
    const host = await post("/v1/hosts", { name: 'Dana "<b>Expert</b>" & Co', timeZone: "Europe/Berlin" });
    const hostId = host.json().id;
    await post(`/v1/hosts/${hostId}/schedules`, { timeZone: "UTC", weekly: { mon: [["09:00", "17:00"]] } });
    const eventType = await post("/v1/event-types", {
      slug: "intro-call",
      title: "Intro <call> & 'chat'",
      durations: [30],
      hostIds: [hostId],
      location: { kind: "link", value: "https://meet.example.com/dana?a=1&b=2" },
    });
    expect(eventType.statusCode).toBe(201);
  });
  afterAll(async () => {
    await app.close();
    await dispose();
  });

  it("shows the booking as a self-contained page with every value escaped", async () => {
    const { path, token, booking } = await book();
    const page = await app.inject({ url: `${path}?nojs=1`, headers: BROWSER });
    expect(page.statusCode).toBe(200);
    expect(page.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(page.headers["content-security-policy"]).toMatch(
      /^default-src 'none'; style-src 'sha256-[^']+'; /,
    );
    expect(page.headers["content-security-policy"]).toContain("form-action 'self'");
    expect(page.headers["referrer-policy"]).toBe("no-referrer"); // the URL holds the token
    expect(page.headers.vary).toBe("accept");
    const html = page.body;
    expect(html).toMatch(/^<!doctype html><html lang="en">/);
    expect(html).toContain("<h1>Intro &lt;call&gt; &amp; &#39;chat&#39;</h1>");
    // 09:00 UTC is 04:00 in New York (EST), the attendee's zone.
    expect(html).toContain("Monday, March 4, 2030, 4:00 AM – 4:30 AM (America/New_York)");
    expect(html).toContain("Dana &quot;&lt;b&gt;Expert&lt;/b&gt;&quot; &amp; Co");
    expect(html).toContain('href="https://meet.example.com/dana?a=1&amp;b=2"');
    expect(html).toContain(`<form method="post" action="${token}/cancel">`);
    expect(html).toContain('<label for="reason">');
    expect(html).toContain(`href="${token}/ics"`);
    expect(html).toContain(`POST ${booking.links.reschedule}`);
    // Self-contained: no scripts, no external assets, no raw markup from the data.
    expect(html).not.toMatch(/<script|<link|<img|src=|<b>|<call>/i);
  });

  it("answers GET on the cancel and reschedule links with the page (links relative to them)", async () => {
    const { path } = await book();
    for (const link of ["cancel", "reschedule"]) {
      const page = await app.inject({ url: `${path}/${link}?nojs=1`, headers: BROWSER });
      expect(page.statusCode).toBe(200);
      expect(page.headers["content-type"]).toBe("text/html; charset=utf-8");
      expect(page.body).toContain('<form method="post" action="cancel">');
      expect(page.body).toContain('id="reschedule"');
    }
  });

  it("gives browsers the web UI, whose <noscript> leads to the plain page (?nojs=1); JSON for programs", async () => {
    const { path } = await book();
    for (const url of [path, `${path}/cancel`, `${path}/reschedule`]) {
      const page = await app.inject({ url, headers: BROWSER });
      expect(page.statusCode).toBe(200);
      expect(page.headers["content-type"]).toBe("text/html; charset=utf-8");
      expect(page.headers["referrer-policy"]).toBe("no-referrer"); // the URL holds the token
      expect(page.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
      expect(page.body).toContain('<div id="root">');
      expect(page.body).toContain(
        '<noscript><meta http-equiv="refresh" content="0; url=?nojs=1"></noscript>',
      );
    }
  });

  it("keeps JSON for programs: no Accept, */* or application/json, on every GET link", async () => {
    const { path, booking } = await book();
    for (const url of [path, `${path}/cancel`, `${path}/reschedule`]) {
      for (const headers of [{}, { accept: "*/*" }, { accept: "application/json" }]) {
        const response = await app.inject({ url, headers });
        expect(response.statusCode).toBe(200);
        expect(response.headers["content-type"]).toBe("application/json; charset=utf-8");
        expect(response.json()).toMatchObject({ id: booking.id, status: "confirmed" });
      }
    }
  });

  it("cancels through the page's form without JavaScript, and shows the result", async () => {
    const { path, booking } = await book();
    const empty = await postCancel(path, FORM, "reason=");
    expect(empty.statusCode).toBe(400);
    expect(empty.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(empty.body).toContain("please give a reason");

    const reason = new URLSearchParams({ reason: "Ill <today> & sorry" }).toString();
    const posted = await postCancel(path, FORM, reason);
    expect(posted.statusCode).toBe(200);
    expect(posted.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(posted.body).toContain('<p role="status">Your booking has been cancelled.</p>');
    expect(posted.body).toContain("<dd>Cancelled</dd>");
    expect(posted.body).toContain("Ill &lt;today&gt; &amp; sorry");
    expect(posted.body).not.toContain("<form"); // nothing left to cancel

    const json = await app.inject({ url: path });
    expect(json.json()).toMatchObject({
      id: booking.id,
      status: "cancelled",
      cancelReason: "Ill <today> & sorry",
    });

    const again = await postCancel(path, FORM, "reason=again");
    expect(again.statusCode).toBe(409);
    expect(again.headers["content-type"]).toBe("text/html; charset=utf-8");
  });

  it("cancels with JSON as before, and answers a form post from a program with JSON", async () => {
    const first = await book();
    const json = await postCancel(first.path, {}, { reason: "Found another time" });
    expect(json.statusCode).toBe(200);
    expect(json.json()).toMatchObject({ status: "cancelled", cancelReason: "Found another time" });
    const second = await book();
    const form = await postCancel(
      second.path,
      { "content-type": "application/x-www-form-urlencoded" },
      "reason=Scripted",
    );
    expect(form.statusCode).toBe(200);
    expect(form.json()).toMatchObject({ status: "cancelled", cancelReason: "Scripted" });
  });

  it("answers a bad or expired link with a clear 4xx page, or JSON for programs", async () => {
    const { path, booking } = await book();
    const forged = `${path.slice(0, -2)}xx`;
    const page = await app.inject({ url: forged, headers: BROWSER });
    expect(page.statusCode).toBe(401);
    expect(page.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(page.headers["content-security-policy"]).toContain("default-src 'none'");
    expect(page.body).toContain("This link is not valid.");
    const json = await app.inject({ url: forged });
    expect(json.statusCode).toBe(401);
    expect(json.json()).toEqual({ error: { code: "unauthorized", message: "This link is not valid." } });

    const expired = signBookingLink(deps.keyRing.deriveKeys("booking-links")[0]!, {
      bookingId: booking.id,
      tenantId,
      expiresAt: Math.floor(deps.now().getTime() / 1000) - 1,
    });
    const expiredPage = await app.inject({ url: `/v1/public/bookings/${expired}/cancel`, headers: BROWSER });
    expect(expiredPage.statusCode).toBe(401);
    expect(expiredPage.body).toContain("This link has expired.");
    const expiredPost = await postCancel(`/v1/public/bookings/${expired}`, FORM, "reason=late");
    expect(expiredPost.statusCode).toBe(401);
    expect(expiredPost.body).toContain("This link has expired.");

    const malformed = await app.inject({ url: "/v1/public/bookings/short", headers: BROWSER });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(malformed.body).toContain("This link is not valid.");
    expect((await app.inject({ url: "/v1/public/bookings/short" })).json().error.code).toBe(
      "validation_failed",
    );
  });
});
