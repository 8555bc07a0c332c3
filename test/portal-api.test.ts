import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOutboundGuard } from "../src/outbound/guarded-fetch.ts";
import { generateKeySpec, parseKeyRing } from "../src/secrets/key-ring.ts";
import type { Store } from "../src/store/database.ts";
import { buildBookingTestApp } from "./support/booking-test-app.ts";
import { createTestTenant } from "./support/test-app.ts";
import { backends, openTestStore } from "./support/test-stores.ts";

/**
 * The host portal's server side: single-use sign-in links, the session cookie, CSRF, expiry and revocation, the
 * audit entry of a sign-in, and that a session reaches its own host's data only, on every /portal/api route (taken
 * from the OpenAPI document, so a route added later is covered).
 */
describe.each(backends)("host portal API on %s", (backend) => {
  let store: Store;
  let dispose: () => Promise<void>;
  let app: FastifyInstance;
  let clock = new Date("2030-02-28T12:00:00Z").getTime();
  const now = () => new Date(clock);
  let tenantA: Awaited<ReturnType<typeof createTestTenant>>;
  let tenantB: Awaited<ReturnType<typeof createTestTenant>>;
  const own: Record<string, string> = {};
  const sibling: Record<string, string> = {};
  const foreign: Record<string, string> = {};

  async function seedHost(tenant: typeof tenantA, name: string, slug: string, ids: Record<string, string>) {
    const host = await app.inject({
      method: "POST",
      url: "/v1/hosts",
      headers: tenant.auth,
      payload: { name, email: `${slug}@example.com`, timeZone: "UTC" },
    });
    ids.hostId = host.json().id;
    const schedule = await app.inject({
      method: "POST",
      url: `/v1/hosts/${ids.hostId}/schedules`,
      headers: tenant.auth,
      payload: { timeZone: "UTC", isDefault: true, weekly: { mon: [["09:00", "17:00"]] } },
    });
    ids.scheduleId = schedule.json().id;
    await app.inject({
      method: "POST",
      url: "/v1/event-types",
      headers: tenant.auth,
      payload: { slug, title: name, durations: [30], hostIds: [ids.hostId] },
    });
    const booking = await app.inject({
      method: "POST",
      url: `/v1/public/${tenant.slug}/${slug}/bookings`,
      payload: { start: "2030-03-04T09:00:00Z", timeZone: "UTC", name: "Attendee", email: "a@example.com" },
    });
    expect(booking.statusCode).toBe(201);
    ids.bookingId = booking.json().id;
    const feed = await app.inject({
      method: "POST",
      url: `/v1/hosts/${ids.hostId}/feeds`,
      headers: tenant.auth,
    });
    ids.feedId = feed.json().id;
    const connection = await app.inject({
      method: "POST",
      url: `/v1/hosts/${ids.hostId}/connections`,
      headers: tenant.auth,
      payload: { provider: "ics", url: `https://calendar.example/${slug}.ics`, name: `${name} feed` },
    });
    ids.connectionId = connection.json().id;
  }

  async function portalLink(tenant: typeof tenantA, hostId: string): Promise<string> {
    const link = await app.inject({
      method: "POST",
      url: `/v1/hosts/${hostId}/portal-links`,
      headers: tenant.auth,
    });
    expect(link.statusCode).toBe(201);
    return new URL(link.json().url).searchParams.get("token")!;
  }

  async function redeem(token: string, headers: Record<string, string> = {}) {
    return app.inject({
      method: "POST",
      url: "/portal/sign-in",
      headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
      payload: new URLSearchParams({ token }).toString(),
    });
  }

  async function signIn(tenant: typeof tenantA, hostId: string) {
    const response = await redeem(await portalLink(tenant, hostId));
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe("/portal");
    const cookie = String(response.headers["set-cookie"]).split(";")[0]!;
    const session = await app.inject({ url: "/portal/api/session", headers: { cookie } });
    expect(session.statusCode).toBe(200);
    return { cookie, csrf: session.json().csrfToken as string, session: session.json() };
  }

  beforeAll(async () => {
    ({ store, dispose } = await openTestStore(backend));
    const keyRing = parseKeyRing(generateKeySpec("k1"));
    ({ app } = await buildBookingTestApp(store, {
      keyRing,
      now,
      connections: {
        db: store.db,
        keyRing,
        outbound: createOutboundGuard({ allow: [] }),
        requestSync: async () => "queued",
      },
    }));
    tenantA = await createTestTenant(store, "Tenant A");
    tenantB = await createTestTenant(store, "Tenant B");
    await seedHost(tenantA, "Own Host", "own", own);
    await seedHost(tenantA, "Sibling Host", "sibling", sibling);
    await seedHost(tenantB, "Foreign Host", "foreign", foreign);
  });
  afterAll(async () => {
    await app?.close();
    await dispose?.();
  });

  it("signs in once through a link: HttpOnly SameSite cookie, hashed token, used and expired links refused", async () => {
    const token = await portalLink(tenantA, own.hostId!);
    const stored = await store.executeSql("select token_hash from portal_links", []);
    expect(JSON.stringify(stored.rows)).not.toContain(token);
    const first = await redeem(token);
    expect(first.statusCode).toBe(303);
    const cookie = String(first.headers["set-cookie"]);
    expect(cookie).toMatch(
      /^calbridge_portal=[\w-]{40,}; Path=\/portal; HttpOnly; SameSite=Lax; Max-Age=604800$/,
    );
    const secret = cookie.split(";")[0]!.split("=")[1]!;
    const sessions = await store.executeSql("select secret_hash from portal_sessions", []);
    expect(JSON.stringify(sessions.rows)).not.toContain(secret);

    const again = await redeem(token);
    expect(again.headers.location).toBe("/portal/sign-in?error=used");
    expect(again.headers["set-cookie"]).toBeUndefined();
    const late = await portalLink(tenantA, own.hostId!);
    clock += 11 * 60_000;
    expect((await redeem(late)).headers.location).toBe("/portal/sign-in?error=expired");
    expect((await redeem("x".repeat(43))).headers.location).toBe("/portal/sign-in?error=invalid");
    // Another site can't sign a browser in (login CSRF).
    const crossSite = await redeem(await portalLink(tenantA, own.hostId!), {
      origin: "https://evil.example",
    });
    expect(crossSite.headers.location).toBe("/portal/sign-in?error=invalid");
  });

  it("records the sign-in in the audit log with the portal session as actor", async () => {
    const { session } = await signIn(tenantA, own.hostId!);
    expect(session.host).toMatchObject({ id: own.hostId, name: "Own Host" });
    const audit = await app.inject({
      url: `/v1/audit?action=portal.signed_in&hostId=${own.hostId}`,
      headers: tenantA.auth,
    });
    expect(audit.statusCode).toBe(200);
    const entries = audit.json().data as Array<{ actor: { kind: string; id: string }; outcome: string }>;
    expect(entries.length).toBeGreaterThanOrEqual(1);
    expect(entries[0]).toMatchObject({ actor: { kind: "portal_session" }, outcome: "success" });
  });

  it("refuses a change without the CSRF token or from another origin", async () => {
    const { cookie, csrf } = await signIn(tenantA, own.hostId!);
    const url = `/portal/api/hosts/${own.hostId}/schedules`;
    const payload = { timeZone: "Europe/Berlin", weekly: { tue: [["10:00", "12:00"]] } };
    const bare = await app.inject({ method: "POST", url, headers: { cookie }, payload });
    expect(bare.statusCode).toBe(403);
    const wrong = await app.inject({
      method: "POST",
      url,
      headers: { cookie, "x-csrf-token": "nope" },
      payload,
    });
    expect(wrong.statusCode).toBe(403);
    const crossSite = await app.inject({
      method: "POST",
      url,
      headers: { cookie, "x-csrf-token": csrf, origin: "https://evil.example" },
      payload,
    });
    expect(crossSite.statusCode).toBe(403);
    const ok = await app.inject({ method: "POST", url, headers: { cookie, "x-csrf-token": csrf }, payload });
    expect(ok.statusCode).toBe(201);
    expect((await app.inject({ url })).statusCode).toBe(401);
  });

  it("cancels the host's own booking as the portal session (audited), lists only the host's bookings", async () => {
    const { cookie, csrf } = await signIn(tenantA, own.hostId!);
    const list = await app.inject({
      url: `/portal/api/hosts/${own.hostId}/bookings?hostId=${sibling.hostId}`,
      headers: { cookie },
    });
    expect(list.statusCode).toBe(200);
    expect(list.json().data.map((booking: { id: string }) => booking.id)).toEqual([own.bookingId]);
    const cancel = await app.inject({
      method: "POST",
      url: `/portal/api/hosts/${own.hostId}/bookings/${own.bookingId}/cancel`,
      headers: { cookie, "x-csrf-token": csrf },
      payload: { reason: "Sick" },
    });
    expect(cancel.statusCode).toBe(200);
    expect(cancel.json().status).toBe("cancelled");
    const audit = await app.inject({ url: "/v1/audit?action=booking.cancelled", headers: tenantA.auth });
    expect(audit.json().data[0].actor.kind).toBe("portal_session");
  });

  it("reaches no other host's or tenant's data on any /portal/api route", async () => {
    const { cookie, csrf } = await signIn(tenantA, own.hostId!);
    const openapi = (await app.inject({ url: "/openapi.json" })).json() as {
      paths: Record<string, Record<string, unknown>>;
    };
    const portalPaths = Object.entries(openapi.paths).filter(([path]) => path.startsWith("/portal/api/"));
    expect(portalPaths.length).toBeGreaterThan(10);
    let checked = 0;
    // Someone else's host; and the own host with someone else's connection, schedule, feed or booking.
    const cases: Array<Record<string, string>> = [
      { ...sibling },
      { ...foreign },
      { ...sibling, hostId: own.hostId! },
      { ...foreign, hostId: own.hostId! },
    ];
    for (const ids of cases) {
      for (const [template, operations] of portalPaths) {
        if (!template.includes("{")) continue;
        const url = template.replace(/\{(\w+)\}/g, (_match, name: string) => {
          if (!ids[name]) throw new Error(`no id for {${name}} in ${template}`);
          return ids[name]!;
        });
        if (url === template.replace(/\{hostId\}/, own.hostId!) && !/\{(?!hostId)/.test(template)) continue;
        for (const method of Object.keys(operations)) {
          const response = await app.inject({
            method: method.toUpperCase() as "GET",
            url,
            headers: { cookie, "x-csrf-token": csrf },
            ...(method === "get" || method === "delete" ? {} : { payload: {} }),
          });
          expect([400, 404], `${method} ${url} answered ${response.statusCode}`).toContain(
            response.statusCode,
          );
          for (const name of ["Sibling Host", "Foreign Host", sibling.connectionId, foreign.connectionId])
            expect(response.body).not.toContain(name);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(30);
    // Untouched: the other hosts' bookings and connections are still there.
    const siblingBooking = await app.inject({
      url: `/v1/bookings/${sibling.bookingId}`,
      headers: tenantA.auth,
    });
    expect(siblingBooking.json().status).toBe("confirmed");
    const connections = await app.inject({
      url: `/v1/hosts/${sibling.hostId}/connections`,
      headers: tenantA.auth,
    });
    expect(connections.json().data).toHaveLength(1);
  });

  it("ends sessions: sign-out, revocation through the tenant API, idle time", async () => {
    const first = await signIn(tenantA, own.hostId!);
    const out = await app.inject({
      method: "POST",
      url: "/portal/api/sign-out",
      headers: { cookie: first.cookie, "x-csrf-token": first.csrf },
    });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers["set-cookie"])).toContain("Max-Age=0");
    expect(
      (await app.inject({ url: "/portal/api/session", headers: { cookie: first.cookie } })).statusCode,
    ).toBe(401);

    const second = await signIn(tenantA, own.hostId!);
    const third = await signIn(tenantA, own.hostId!);
    const revoked = await app.inject({
      method: "DELETE",
      url: `/v1/hosts/${own.hostId}/portal-sessions`,
      headers: tenantA.auth,
    });
    expect(revoked.json().revoked).toBeGreaterThanOrEqual(2);
    for (const { cookie } of [second, third])
      expect((await app.inject({ url: "/portal/api/session", headers: { cookie } })).statusCode).toBe(401);
    // Another tenant can't revoke (or even see) this host.
    expect(
      (
        await app.inject({
          method: "DELETE",
          url: `/v1/hosts/${own.hostId}/portal-sessions`,
          headers: tenantB.auth,
        })
      ).statusCode,
    ).toBe(404);

    const idle = await signIn(tenantA, own.hostId!);
    clock += 11 * 3_600_000;
    expect(
      (await app.inject({ url: "/portal/api/session", headers: { cookie: idle.cookie } })).statusCode,
    ).toBe(200);
    clock += 12 * 3_600_000 + 60_000;
    expect(
      (await app.inject({ url: "/portal/api/session", headers: { cookie: idle.cookie } })).statusCode,
    ).toBe(401);
  });
});
