import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MONTH, NOW, startBookingUi } from "./support/booking-ui-fixture.ts";
import { screenshot, seriousViolations } from "./support/page-checks.ts";

type Ui = Awaited<ReturnType<typeof startBookingUi>>;

/** A customer's web site on another origin (a second 127.0.0.1 port) that embeds the booking page. */
function customerSite(serviceBase: string, path: string): Promise<{ server: Server; origin: string }> {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Acme: book a call</title>
<style>body{font-family:system-ui,sans-serif;margin:0;background:#fff}header{padding:1rem 2rem;background:#0f172a;color:#fff}
section{max-width:1100px;margin:0 auto;padding:1rem}</style></head><body>
<header><h1>Acme Consulting</h1></header>
<main><section><h2>Book an intro call</h2>
<div id="inline" data-calbridge-inline="${path}"></div>
<p><button id="popup" data-calbridge-popup="${path}">Book in a pop-up</button></p></section></main>
<script>window.received = []; window.domEvents = [];
window.addEventListener("message", (event) => window.received.push({ origin: event.origin, data: event.data }));
document.addEventListener("calbridge:booked", (event) => window.domEvents.push(event.detail));</script>
<script src="${serviceBase}/ui/embed.js" async></script></body></html>`;
  const server = createServer((_request, response) => {
    response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    response.end(html);
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () =>
      resolve({ server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }),
    );
  });
}

describe("embedding the booking page on another origin", () => {
  let ui: Ui;
  let site: { server: Server; origin: string };
  beforeAll(async () => {
    ui = await startBookingUi();
    site = await customerSite(ui.base, `${ui.tenant.slug}/intro-call?month=${MONTH}`);
  });
  afterAll(async () => {
    site?.server.close();
    await ui?.close();
  });

  it("is refused framing by other origins until the tenant lists them (CSP frame-ancestors)", async () => {
    const before = await fetch(`${ui.base}${ui.bookingPath}`);
    expect(before.headers.get("content-security-policy")).toContain("frame-ancestors 'self'");
    expect(before.headers.get("content-security-policy")).not.toContain(site.origin);
    const patched = await ui.api("PATCH", "/v1/tenant", { bookingPage: { frameAncestors: [site.origin] } });
    expect(patched.status).toBe(200);
    expect(patched.body.bookingPage.frameAncestors).toEqual([site.origin]);
    const after = await fetch(`${ui.base}${ui.bookingPath}`);
    expect(after.headers.get("content-security-policy")).toContain(`frame-ancestors 'self' ${site.origin}`);
  });

  it("shows inline, resizes itself and posts calbridge:booked to the host page", async () => {
    const context = await ui.visitor();
    const page = await context.newPage();
    await page.clock.setFixedTime(new Date(NOW));
    await page.goto(site.origin);
    const frame = page.frameLocator("#inline iframe");
    await frame.locator(".slot").first().waitFor();
    // The frame took the page's height (no inner scroll bar): the widget resized it from its 480 px start.
    await page.waitForFunction(
      'Number.parseInt(document.querySelector("#inline iframe")?.style.height ?? "0", 10) > 480',
    );
    await screenshot(page, "embed-inline-en-1280");
    expect(await seriousViolations(page)).toEqual([]);

    await frame.locator(".slot").first().click();
    await frame.locator('input[name="name"]').fill("Emma Embed");
    await frame.locator('input[name="email"]').fill("emma@example.com");
    await frame.locator('input[name="company"]').fill("Host Page Inc");
    await frame.locator('button[type="submit"]').click();
    await frame.locator(".confirmation h1").waitFor();
    await page.waitForFunction("window.domEvents.length > 0");
    const received = (await page.evaluate("window.received")) as Array<{
      origin: string;
      data: { type: string; booking?: Record<string, unknown> };
    }>;
    const booked = received.find((message) => message.data.type === "calbridge:booked");
    expect(booked?.origin).toBe(new URL(ui.base).origin);
    expect(booked?.data.booking).toMatchObject({ status: "confirmed", eventType: "intro-call" });
    expect(booked?.data.booking).not.toHaveProperty("attendee"); // the e-mail address stays in the frame
    const id = booked?.data.booking?.id as string;
    const listed = await ui.api("GET", `/v1/bookings/${id}`);
    expect(listed.body).toMatchObject({ id, attendee: { name: "Emma Embed" } });
    await screenshot(page, "embed-inline-booked-en-1280");
    await context.close();
  });

  it("opens as a pop-up on click, closes with Escape and gives focus back", async () => {
    const context = await ui.visitor({ viewport: { width: 375, height: 800 } });
    const page = await context.newPage();
    await page.clock.setFixedTime(new Date(NOW));
    await page.goto(site.origin);
    await page.locator("#popup").click();
    const dialog = page.getByRole("dialog");
    await dialog.frameLocator("iframe").locator(".slot").first().waitFor();
    await screenshot(page, "embed-popup-en-375");
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    expect(await page.evaluate("document.activeElement?.id")).toBe("popup");
    await context.close();
  });
});
