import { sql } from "drizzle-orm";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { BookingService } from "../src/scheduling/booking-service.ts";
import type { BookingRouteDeps } from "../src/server/routes/booking-context.ts";
import type { Store } from "../src/store/database.ts";
import { buildBookingTestApp } from "./support/booking-test-app.ts";
import { captureLog } from "./support/captured-log.ts";
import { createTestTenant } from "./support/test-app.ts";
import { backends, openTestStore } from "./support/test-stores.ts";

// Control characters refused at the edge (400, never a 500 from the database), and log lines that carry neither
// the attendee's personal data nor the secret tokens of attendee links and export feeds.

const monday = "2030-03-04";
const name = "Ina Invitee";
const email = "ina@example.com";
const attendee = { timeZone: "America/New_York", name, email };
const slotsQuery = `from=${monday}T00:00:00Z&to=${monday}T23:59:00Z&timeZone=UTC`;

describe.each(backends)("request hygiene on %s", (backend) => {
  let store: Store;
  let dispose: () => Promise<void>;
  let app: FastifyInstance;
  let booking: BookingRouteDeps;
  let realBookings: BookingService;
  let auth: { authorization: string };
  let key: string;
  let slug: string;
  let hostId: string;
  const log = captureLog();

  const book = (payload: Record<string, unknown>, headers: Record<string, string> = {}) =>
    app.inject({ method: "POST", url: `/v1/public/${slug}/intro-call/bookings`, payload, headers });
  const refusal = (response: { statusCode: number; json(): unknown }) => ({
    status: response.statusCode,
    error: (response.json() as { error: { code: string; message: string } }).error,
  });

  beforeAll(async () => {
    ({ store, dispose } = await openTestStore(backend));
    ({ app, booking } = await buildBookingTestApp(store, { logger: log.logger }));
    realBookings = booking.bookings;
    const tenant = await createTestTenant(store, "Hygiene Co");
    ({ auth, key, slug } = tenant);
    const post = (url: string, payload: Record<string, unknown>) =>
      app.inject({ method: "POST", url, headers: auth, payload });
    const zone = { timeZone: "Europe/Berlin" };
    hostId = (await post("/v1/hosts", { ...zone, name: "Dana Expert", email: "dana@expert.example" })).json()
      .id;
    await post(`/v1/hosts/${hostId}/schedules`, { ...zone, weekly: { mon: [["09:00", "17:00"]] } });
    const eventType = await post("/v1/event-types", {
      slug: "intro-call",
      title: "Intro call",
      durations: [30],
      hostIds: [hostId],
      questions: [{ id: "topic", label: "Topic", type: "text", required: false }],
    });
    expect(eventType.statusCode).toBe(201);
  });
  beforeEach(() => {
    booking.bookings = realBookings;
    log.lines.length = 0;
  });
  afterAll(async () => {
    await app.close();
    await dispose();
  });

  /** No log line of the test so far holds the attendee's name or e-mail (in any spelling a serializer might use). */
  const expectNoPersonalData = () => {
    expect(log.lines.length).toBeGreaterThan(0);
    for (const line of log.lines) {
      expect(line).not.toContain("Ina");
      expect(line).not.toContain("ina@");
      expect(line).not.toContain("example.com");
    }
  };

  it("refuses a NUL in a public path param, query value or booking body with 400 naming the field", async () => {
    const inPath = await app.inject({ url: `/v1/public/${slug}/intro-call%00/slots?${slotsQuery}` });
    expect(refusal(inPath)).toEqual({
      status: 400,
      error: expect.objectContaining({
        code: "validation_failed",
        message: "params.eventTypeSlug: must not contain control characters (found U+0000)",
      }),
    });
    const inQuery = await app.inject({ url: `/v1/public/${slug}/intro-call/slots?${slotsQuery}%00` });
    expect(refusal(inQuery).error.message).toBe(
      "querystring.timeZone: must not contain control characters (found U+0000)",
    );
    const inName = await book({ ...attendee, name: "Ina\u0000", start: `${monday}T08:00:00Z` });
    expect(refusal(inName)).toEqual({
      status: 400,
      error: {
        code: "validation_failed",
        message: "body.name: must not contain control characters (found U+0000)",
        details: [{ location: "body.name", message: "must not contain control characters (found U+0000)" }],
      },
    });
    const inAnswerKey = await book({
      ...attendee,
      start: `${monday}T08:00:00Z`,
      answers: { "topic\u0000": "x" },
    });
    expect(refusal(inAnswerKey).error.message).toMatch(/^body\.answers: a property name must not contain/);
    const otherControl = await book({
      ...attendee,
      start: `${monday}T08:00:00Z`,
      answers: { topic: "a\u001bb" },
    });
    expect(refusal(otherControl).error.message).toBe(
      "body.answers.topic: must not contain control characters (found U+001B)",
    );
    const inIdempotencyKey = await book(
      { ...attendee, start: `${monday}T08:00:00Z` },
      {
        "idempotency-key": "key-0001\u0000aaaa",
      },
    );
    expect(refusal(inIdempotencyKey).error.message).toBe(
      "headers.idempotency-key: must not contain control characters (found U+0000)",
    );
    expectNoPersonalData();
  });

  it("keeps TAB, LF and CR in free text", async () => {
    const created = await book({
      ...attendee,
      start: `${monday}T09:00:00Z`,
      answers: { topic: "Pricing:\r\n\t- tiers\n\t- discounts" },
    });
    expect(created.statusCode).toBe(201);
  });

  it("refuses control characters on tenant routes and in API key headers", async () => {
    const hostName = await app.inject({
      method: "POST",
      url: "/v1/hosts",
      headers: auth,
      payload: { name: "Dana\u0000", email: "dana2@expert.example", timeZone: "UTC" },
    });
    expect(refusal(hostName)).toMatchObject({
      status: 400,
      error: { message: expect.stringMatching(/^body\.name: /) },
    });
    const description = await app.inject({
      method: "POST",
      url: "/v1/event-types",
      headers: auth,
      payload: {
        slug: "second",
        title: "Second",
        description: "bell\u0007",
        durations: [30],
        hostIds: [hostId],
      },
    });
    expect(refusal(description).error.message).toBe(
      "body.description: must not contain control characters (found U+0007)",
    );
    const query = await app.inject({ url: "/v1/hosts?limit=5%00", headers: auth });
    expect(refusal(query).error.message).toMatch(/^querystring\.limit: /);
    for (const headers of [{ authorization: `Bearer ${key}\u0000` }, { "x-api-key": `${key}\u0000` }]) {
      const response = await app.inject({ url: "/v1/hosts", headers });
      expect(refusal(response)).toMatchObject({
        status: 400,
        error: {
          code: "validation_failed",
          message: expect.stringMatching(/^headers\.(authorization|x-api-key): /),
        },
      });
      // The key itself is not echoed back.
      expect(response.body).not.toContain(key);
    }
  });

  it.each([
    ["a failed cast (the value quoted in the message, the parameters in Drizzle's)", "cast"],
    ["a unique violation (the key values in its detail)", "unique"],
  ])("logs a 500 from %s with class, SQLSTATE and request id only", async (_label, kind) => {
    // A repository that fails in the database with the attendee's data as parameters.
    booking.bookings = {
      ...realBookings,
      create: async (request) => {
        const { name: attendeeName, email: attendeeEmail } = request.attendee;
        if (kind === "cast") await store.db.execute(sql`select ${attendeeName}::int, ${attendeeEmail}::uuid`);
        const insert = sql`insert into tenants (id, name, slug) values (gen_random_uuid(), ${attendeeName}, ${attendeeEmail})`;
        await store.db.execute(insert);
        await store.db.execute(insert);
        throw new Error("unreachable");
      },
    };
    const response = await book(
      { ...attendee, start: `${monday}T10:00:00Z` },
      { "x-request-id": `req-${kind}` },
    );
    expect(refusal(response)).toEqual({ status: 500, error: expect.objectContaining({ code: "internal" }) });
    const failure = log.entries().find((entry) => entry.msg === "unhandled error");
    expect(failure).toMatchObject({
      reqId: `req-${kind}`,
      err: { type: "DrizzleQueryError", cause: { code: kind === "cast" ? "22P02" : "23505" } },
    });
    expectNoPersonalData();
  });

  it("redacts attendee-link and export-feed tokens from request logs", async () => {
    const created = await book({ ...attendee, start: `${monday}T11:00:00Z` });
    expect(created.statusCode).toBe(201);
    const links = created.json().links as Record<"manage" | "cancel" | "ics", string>;
    const linkToken = new URL(links.manage).pathname.split("/")[4]!;
    const feed = await app.inject({
      method: "POST",
      url: `/v1/hosts/${hostId}/feeds`,
      headers: auth,
      payload: {},
    });
    expect(feed.statusCode).toBe(201);
    const feedPath = new URL(feed.json().url as string).pathname;
    const feedToken = feedPath.slice("/v1/feeds/".length, -".ics".length);
    log.lines.length = 0;

    expect((await app.inject({ url: new URL(links.manage).pathname })).statusCode).toBe(200);
    expect((await app.inject({ url: new URL(links.ics).pathname })).statusCode).toBe(200);
    expect((await app.inject({ url: `${feedPath}?token=${feedToken}` })).statusCode).toBe(200);
    const cancel = await app.inject({
      method: "POST",
      url: new URL(links.cancel).pathname,
      payload: { reason: "Plans changed" },
    });
    expect(cancel.statusCode).toBe(200);
    // An unknown route under the same prefix (a 404) is redacted too.
    expect((await app.inject({ url: `/v1/public/bookings/${linkToken}/nope` })).statusCode).toBe(404);

    const urls = log
      .entries()
      .filter((entry) => entry.msg === "incoming request")
      .map((entry) => (entry.req as { url: string }).url);
    expect(urls).toEqual([
      "/v1/public/bookings/[redacted]",
      "/v1/public/bookings/[redacted]/ics",
      "/v1/feeds/[redacted].ics?token=[redacted]",
      "/v1/public/bookings/[redacted]/cancel",
      "/v1/public/bookings/[redacted]/nope",
    ]);
    for (const line of log.lines) {
      expect(line).not.toContain(linkToken);
      expect(line).not.toContain(linkToken.split(".")[1]);
      expect(line).not.toContain(feedToken);
    }
  });
});
