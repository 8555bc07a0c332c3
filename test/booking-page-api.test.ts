import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Store } from "../src/store/database.ts";
import { buildBookingTestApp } from "./support/booking-test-app.ts";
import { createTestTenant } from "./support/test-app.ts";
import { backends, openTestStore } from "./support/test-stores.ts";

/** What the booking page reads besides slots: hosts and brand, the attendee link's context, the tenant's settings. */
describe.each(backends)("booking page API on %s", (backend) => {
  let store: Store;
  let dispose: () => Promise<void>;
  let app: FastifyInstance;
  let auth: { authorization: string };
  let slug: string;

  beforeAll(async () => {
    ({ store, dispose } = await openTestStore(backend));
    ({ app } = await buildBookingTestApp(store));
    const tenant = await createTestTenant(store, "Brand Co");
    ({ auth, slug } = tenant);
    const post = (url: string, payload: Record<string, unknown>) =>
      app.inject({ method: "POST", url, headers: auth, payload });
    const host = await post("/v1/hosts", {
      name: "Dana",
      email: "dana@example.com",
      timeZone: "Europe/Berlin",
    });
    await post(`/v1/hosts/${host.json().id}/schedules`, {
      timeZone: "UTC",
      weekly: { mon: [["09:00", "17:00"]] },
    });
    await post("/v1/event-types", {
      slug: "intro",
      title: "Intro",
      durations: [30],
      hostIds: [host.json().id],
    });
  });
  afterAll(async () => {
    await app.close();
    await dispose();
  });

  it("checks and stores the booking page settings; the public event type shows hosts and brand", async () => {
    const bad = await app.inject({
      method: "PATCH",
      url: "/v1/tenant",
      headers: auth,
      payload: {
        bookingPage: { logoUrl: "http://insecure.example/logo.png", frameAncestors: ["https://a.example/x"] },
      },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toContain("bookingPage.logoUrl");
    expect(bad.json().error.message).toContain("bookingPage.frameAncestors[0]");
    const color = await app.inject({
      method: "PATCH",
      url: "/v1/tenant",
      headers: auth,
      payload: { bookingPage: { brandColor: "blue" } },
    });
    expect(color.statusCode).toBe(400);

    const good = await app.inject({
      method: "PATCH",
      url: "/v1/tenant",
      headers: auth,
      payload: { bookingPage: { brandColor: "#AA3300", logoUrl: "https://cdn.example.com/logo.svg" } },
    });
    expect(good.statusCode).toBe(200);
    expect(good.json().bookingPage).toEqual({
      brandColor: "#aa3300",
      logoUrl: "https://cdn.example.com/logo.svg",
    });

    const page = await app.inject({ url: `/v1/public/${slug}/intro` });
    expect(page.json()).toMatchObject({
      title: "Intro",
      hosts: [{ name: "Dana", timeZone: "Europe/Berlin" }],
      brand: { name: "Brand Co", color: "#aa3300", logoUrl: "https://cdn.example.com/logo.svg" },
    });
    expect(JSON.stringify(page.json())).not.toContain("dana@example.com");
  });

  it("gives an attendee link its page context, and keeps notes with the answers", async () => {
    const booked = await app.inject({
      method: "POST",
      url: `/v1/public/${slug}/intro/bookings`,
      payload: {
        start: "2030-03-04T09:00:00Z",
        timeZone: "UTC",
        name: "Ina",
        email: "ina@example.com",
        notes: "Bring the numbers",
      },
    });
    expect(booked.statusCode).toBe(201);
    expect(booked.json().answers).toEqual({ notes: "Bring the numbers" });
    const token = new URL(booked.json().links.manage).pathname.split("/").at(-1)!;
    const context = await app.inject({ url: `/v1/public/bookings/${token}/context` });
    expect(context.statusCode).toBe(200);
    expect(context.json()).toMatchObject({
      tenantSlug: slug,
      eventTypeSlug: "intro",
      title: "Intro",
      hosts: [{ name: "Dana", timeZone: "Europe/Berlin" }],
      brand: { name: "Brand Co" },
    });
    const forged = await app.inject({ url: `/v1/public/bookings/${token.slice(0, -2)}xx/context` });
    expect(forged.statusCode).toBe(401);
  });
});
