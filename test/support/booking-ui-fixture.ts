import type { FastifyInstance } from "fastify";
import type { Browser, BrowserContext, BrowserContextOptions } from "playwright-core";
import type { Store } from "../../src/store/database.ts";
import { buildBookingTestApp } from "./booking-test-app.ts";
import { launchChromium } from "./browser.ts";
import { createTestTenant } from "./test-app.ts";
import { openTestStore } from "./test-stores.ts";

/** The service's clock and the browsers' (both fixed): Thursday 2030-02-28, noon UTC. */
export const NOW = "2030-02-28T12:00:00Z";
/** The month the pages are opened at (the booking link's `?month=`). */
export const MONTH = "2030-03";

/**
 * A real service on 127.0.0.1 with one tenant, a host in Berlin working 09:00-17:00 on weekdays and an event type
 * with two durations and questions; Chromium to look at it.
 */
export async function startBookingUi(options: { rateLimitPerMinute?: number } = {}) {
  const opened = await openTestStore("pglite");
  const store: Store = opened.store;
  const { app } = await buildBookingTestApp(store, {
    now: () => new Date(NOW),
    ...(options.rateLimitPerMinute ? { rateLimitPerMinute: options.rateLimitPerMinute } : {}),
  });
  const base = await app.listen({ host: "127.0.0.1", port: 0 });
  const tenant = await createTestTenant(store, "Acme Consulting");
  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { ...tenant.auth, ...(body ? { "content-type": "application/json" } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  const host = await api("POST", "/v1/hosts", { name: "Dana Berger", timeZone: "Europe/Berlin" });
  const weekday = [["09:00", "17:00"]];
  await api("POST", `/v1/hosts/${host.body.id}/schedules`, {
    timeZone: "Europe/Berlin",
    weekly: { mon: weekday, tue: weekday, wed: weekday, thu: weekday, fri: weekday },
  });
  const eventType = await api("POST", "/v1/event-types", {
    slug: "intro-call",
    title: "Intro call",
    description: "A first conversation about your project: goals, timeline and how we can help.",
    durations: [30, 60],
    hostIds: [host.body.id],
    location: { kind: "link", value: "https://meet.example.com/dana" },
    questions: [
      { id: "company", label: "Company", type: "text", required: true },
      { id: "size", label: "Team size", type: "select", options: ["1-10", "11-50", "51+"] },
    ],
  });
  if (eventType.status !== 201) throw new Error(`event type: ${JSON.stringify(eventType.body)}`);
  const browser: Browser = await launchChromium();

  const bookingPath = `/${tenant.slug}/intro-call`;
  /** A visitor in New York with an English (or given) browser; the page's clock is the service's. */
  const visitor = async (options: BrowserContextOptions = {}): Promise<BrowserContext> => {
    const context = await browser.newContext({
      locale: "en-US",
      timezoneId: "America/New_York",
      viewport: { width: 1280, height: 900 },
      ...options,
    });
    return context;
  };
  const openPage = async (context: BrowserContext, path: string) => {
    const page = await context.newPage();
    await page.clock.setFixedTime(new Date(NOW));
    await page.goto(`${base}${path}`);
    return page;
  };
  /** Books through the public API, as another visitor would. */
  const bookDirectly = async (start: string, name = "Other Visitor") => {
    const response = await fetch(`${base}/v1/public/${tenant.slug}/intro-call/bookings`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        start,
        timeZone: "America/New_York",
        name,
        email: "other@example.com",
        answers: { company: "Other Co" },
      }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  return {
    app: app as FastifyInstance,
    base,
    tenant,
    api,
    browser,
    bookingPath,
    visitor,
    openPage,
    bookDirectly,
    /** Every slot hold lapses, as if the visitor had taken longer than HOLD_TTL_SECONDS over the form. */
    expireHolds: () => opened.store.executeSql("delete from slot_holds", []),
    close: async () => {
      await browser.close();
      await app.close();
      await opened.dispose();
    },
  };
}
