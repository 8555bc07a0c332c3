import { randomUUID } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOutboundGuard } from "../src/outbound/guarded-fetch.ts";
import type { OAuthClient } from "../src/providers/oauth-client.ts";
import { generateKeySpec, parseKeyRing } from "../src/secrets/key-ring.ts";
import type { ConnectionRow } from "../src/store/connections-repository.ts";
import type { Store } from "../src/store/database.ts";
import type { TenantId } from "../src/store/ids.ts";
import { emitWebhookEvent } from "../src/store/webhooks-repository.ts";
import type { ConnectFlowDeps } from "../src/sync/connect-flow.ts";
import { createConnectionEvents } from "../src/sync/connection-events.ts";
import { sealOAuthCredentials } from "../src/sync/oauth-credentials.ts";
import { buildBookingTestApp } from "./support/booking-test-app.ts";
import { findEverywhere } from "./support/find-everywhere.ts";
import { createTestTenant } from "./support/test-app.ts";
import { backends, openTestStore } from "./support/test-stores.ts";

/**
 * Erasure through the API on both databases, checked by searching every text, JSON and bytea column of every table
 * for what was erased: the host's name, addresses and tokens, the attendee's name and address.
 */
describe.each(backends)("erasure on %s", (backend) => {
  let store: Store;
  let dispose: () => Promise<void>;
  let app: FastifyInstance;
  let tenant: Awaited<ReturnType<typeof createTestTenant>>;
  const keyRing = parseKeyRing(generateKeySpec("k1"));
  const now = () => new Date("2030-02-28T12:00:00Z");
  const stopped: string[] = [];
  const revoked: string[] = [];
  const connect: ConnectFlowDeps = {
    db: undefined as never,
    keyRing,
    publicUrl: "http://localhost:3000",
    now,
    events: undefined as never,
    connectors: {
      microsoft: {
        // A provider with a revocation endpoint (as Google has): disconnect revokes the grant's refresh token.
        client: {
          revoke: async ({ token }: { token: string }) => {
            revoked.push(token);
            return { ok: true, value: undefined };
          },
        } as unknown as OAuthClient,
        displayName: "Microsoft 365",
        readAccount: async () => ({ ok: false, error: { kind: "unavailable", message: "unused" } }),
      },
    },
    requestSync: async () => undefined,
    stopChannels: async (connection: ConnectionRow) => void stopped.push(connection.id),
  };

  const api = (method: "GET" | "POST" | "PATCH", url: string, payload?: unknown) =>
    app.inject({ method, url, headers: tenant.auth, ...(payload ? { payload } : {}) });

  /** A host with a schedule, an event type, a feed, a connected Microsoft calendar with busy rows, and bookings. */
  async function hostWithData(params: { name: string; email: string; slug: string; token: string }) {
    const hostId = (
      await api("POST", "/v1/hosts", { name: params.name, email: params.email, timeZone: "UTC" })
    ).json().id as string;
    await api("POST", `/v1/hosts/${hostId}/schedules`, {
      timeZone: "UTC",
      weekly: { mon: [["09:00", "17:00"]] },
    });
    expect(
      (
        await api("POST", "/v1/event-types", {
          slug: params.slug,
          title: "Consult",
          durations: [60],
          hostIds: [hostId],
        })
      ).statusCode,
    ).toBe(201);
    expect((await api("POST", `/v1/hosts/${hostId}/feeds`)).statusCode).toBe(201);
    const connectionId = crypto.randomUUID();
    const credentials = sealOAuthCredentials(keyRing, {
      kind: "oauth",
      accessToken: `AT-${params.token}`,
      refreshToken: `RT-${params.token}`,
      expiresAt: "2030-03-01T00:00:00Z",
    });
    await store.executeSql(
      `insert into calendar_connections (id, tenant_id, host_id, provider, display_name, status, credentials,
         account_id, account_email, account_kind)
       values ($1, $2, $3, 'microsoft', $4, 'connected', $5, $6, $7, 'work')`,
      [
        connectionId,
        tenant.tenantId,
        hostId,
        `Microsoft 365 (${params.email})`,
        credentials,
        `acct-${params.token}`,
        params.email,
      ],
    );
    await store.executeSql(
      `insert into calendar_sync_states (tenant_id, connection_id, calendar_ref, cursor, name, channel, last_success_at)
       values ($1, $2, 'cal-1', $3, $4, $5::jsonb, '2030-02-28T11:59:00Z')`,
      [
        tenant.tenantId,
        connectionId,
        `delta-${params.token}`,
        `${params.name}'s calendar`,
        JSON.stringify({ id: `ch-${params.token}` }),
      ],
    );
    await store.executeSql(
      `insert into busy_intervals (id, tenant_id, host_id, connection_id, calendar_ref, start_at, end_at, status, source_ref)
       values (gen_random_uuid(), $1, $2, $3, 'cal-1', '2030-03-05T09:00:00Z', '2030-03-05T10:00:00Z', 'busy', 'evt-1')`,
      [tenant.tenantId, hostId, connectionId],
    );
    return { hostId, connectionId, credentials };
  }

  const book = async (slug: string, start: string, name: string, email: string) => {
    const answer = await app.inject({
      method: "POST",
      url: `/v1/public/${tenant.slug}/${slug}/bookings`,
      payload: { start, timeZone: "UTC", name, email },
    });
    expect(answer.statusCode, answer.body).toBe(201);
    const booking = answer.json();
    // A webhook delivery copies the attendee (as the booking events do).
    await emitWebhookEvent(store.db, {
      tenantId: tenant.tenantId as TenantId,
      type: "booking.created",
      data: { booking: { id: booking.id, attendee: { name, email } } },
      now: now(),
    });
    return booking.id as string;
  };

  beforeAll(async () => {
    ({ store, dispose } = await openTestStore(backend));
    connect.db = store.db;
    connect.events = createConnectionEvents({ db: store.db, now });
    ({ app } = await buildBookingTestApp(store, {
      keyRing,
      now,
      connections: {
        db: store.db,
        keyRing,
        outbound: createOutboundGuard({ allow: [] }),
        requestSync: async () => "queued",
        connect,
      },
    }));
    tenant = await createTestTenant(store, "Erasing Co");
    await store.executeSql(
      `insert into webhook_endpoints (id, tenant_id, url, event_types, secret) values (gen_random_uuid(), $1, 'https://hooks.example.com/x', '[]'::jsonb, 'sealed')`,
      [tenant.tenantId],
    );
  }, 120_000);
  afterAll(async () => {
    await app.close();
    await dispose();
  });

  it("erases a host: provider told, tokens and data gone, bookings anonymised, nothing found in any column", async () => {
    const zeb = await hostWithData({
      name: "Zebulon Quartermaine",
      email: "zebulon.quartermaine@hostmail.example",
      slug: "zeb",
      token: "zeb-secret-4711",
    });
    const kept = await hostWithData({
      name: "Keeper Host",
      email: "keeper@hostmail.example",
      slug: "keep",
      token: "keep-1",
    });
    const bookingId = await book(
      "zeb",
      "2030-03-04T09:00:00Z",
      "Philippa Featherstonehaugh",
      "philippa.f@attendee.example",
    );
    await book("keep", "2030-03-04T10:00:00Z", "Stays Here", "stays@attendee.example");

    const erased = await api("POST", `/v1/hosts/${zeb.hostId}/erase`);
    expect(erased.statusCode, erased.body).toBe(200);
    expect(erased.json()).toEqual({
      erased: true,
      connectionsRevoked: 1,
      bookingsAnonymised: 1,
      bookingsDeleted: 0,
    });
    expect(revoked).toEqual(["RT-zeb-secret-4711"]);
    expect(stopped.filter((id) => id === zeb.connectionId).length).toBeGreaterThan(0);

    const hits = await findEverywhere(store, [
      "Zebulon",
      "Quartermaine",
      "zebulon.quartermaine@hostmail.example",
      "zeb-secret-4711",
      zeb.credentials,
      "Philippa",
      "Featherstonehaugh",
      "philippa.f@attendee.example",
    ]);
    expect(hits).toEqual([]);
    // The booking is kept for the tenant's records, without the attendee.
    const booking = (await api("GET", `/v1/bookings/${bookingId}`)).json();
    expect(booking).toMatchObject({ id: bookingId, status: "confirmed" });
    expect((await api("GET", `/v1/hosts/${zeb.hostId}`)).statusCode).toBe(404);
    // The other host and their attendee are untouched.
    expect(await findEverywhere(store, ["Keeper Host", "keep-1", "stays@attendee.example"])).not.toEqual([]);
    expect((await api("GET", `/v1/hosts/${kept.hostId}`)).statusCode).toBe(200);
    // The audit log says it happened, with ids and counts only.
    const log = (await api("GET", `/v1/audit?hostId=${zeb.hostId}&action=host.erased`)).json().data;
    expect(log).toEqual([
      expect.objectContaining({
        actor: expect.objectContaining({ kind: "api_key" }),
        target: { hostId: zeb.hostId, connectionId: null, bookingId: null },
        details: { connectionsRevoked: 1, bookingsAnonymised: 1, bookingsDeleted: 0 },
      }),
    ]);
    expect((await api("POST", `/v1/hosts/${zeb.hostId}/erase`)).statusCode).toBe(404);
  });

  it("deletes the host's bookings when the tenant asks for deletion", async () => {
    const patched = await api("PATCH", "/v1/tenant", { erasure: "delete" });
    expect(patched.json().erasure).toBe("delete");
    const host = await hostWithData({
      name: "Delia Deleted",
      email: "delia@hostmail.example",
      slug: "dd",
      token: "del-9",
    });
    const bookingId = await book("dd", "2030-03-04T11:00:00Z", "Bert Booker", "bert@attendee.example");
    const erased = await api("POST", `/v1/hosts/${host.hostId}/erase`);
    expect(erased.json()).toMatchObject({ bookingsDeleted: 1, bookingsAnonymised: 0 });
    expect((await api("GET", `/v1/bookings/${bookingId}`)).statusCode).toBe(404);
    expect(
      await findEverywhere(store, [
        "Delia",
        "delia@hostmail.example",
        "del-9",
        "Bert Booker",
        "bert@attendee",
      ]),
    ).toEqual([]);
    await api("PATCH", "/v1/tenant", { erasure: "anonymise" });
  });

  it("anonymises an attendee across the tenant's bookings", async () => {
    const host = await hostWithData({
      name: "Host Three",
      email: "three@hostmail.example",
      slug: "three",
      token: "t3",
    });
    const first = await book(
      "three",
      "2030-03-04T12:00:00Z",
      "Marguerite Oyelaran",
      "marguerite@attendee.example",
    );
    const second = await book(
      "three",
      "2030-03-04T13:00:00Z",
      "Marguerite O.",
      "Marguerite@Attendee.example",
    );
    // A managed event of the tenant's app lists her too (issue #18); her entry keeps its place, another stays.
    const eventId = randomUUID();
    await store.executeSql(
      `insert into managed_events (id, tenant_id, external_id, title, start_at, end_at, time_zone, attendees)
       values ($1, $2, 'training-1', 'Training', '2030-03-05T09:00:00Z', '2030-03-05T10:00:00Z', 'UTC', $3::jsonb)`,
      [
        eventId,
        tenant.tenantId,
        JSON.stringify([
          { name: "Marguerite Oyelaran", email: "MARGUERITE@attendee.example" },
          { name: "Kept Person", email: "kept@attendee.example" },
        ]),
      ],
    );
    const erased = await api("POST", "/v1/attendees/erase", { email: "MARGUERITE@attendee.example" });
    expect(erased.statusCode, erased.body).toBe(200);
    const { rows: managed } = await store.executeSql("select attendees from managed_events where id = $1", [
      eventId,
    ]);
    expect((managed[0] as { attendees: unknown }).attendees).toEqual([
      { name: "Erased", email: "erased@erased.invalid" },
      { name: "Kept Person", email: "kept@attendee.example" },
    ]);
    expect(erased.json()).toEqual({ bookingsAnonymised: 2 });
    expect(await findEverywhere(store, ["Marguerite", "Oyelaran", "marguerite@attendee.example"])).toEqual(
      [],
    );
    for (const id of [first, second])
      expect((await api("GET", `/v1/bookings/${id}`)).json()).toMatchObject({ status: "confirmed" });
    const log = (await api("GET", "/v1/audit?action=attendee.erased")).json().data;
    expect(log).toEqual([expect.objectContaining({ details: { bookingsAnonymised: 2 } })]);
    expect(JSON.stringify(log)).not.toMatch(/marguerite/i);
    expect((await api("POST", "/v1/attendees/erase", { email: "not an address" })).statusCode).toBe(400);
    expect((await api("GET", `/v1/hosts/${host.hostId}`)).statusCode).toBe(200);
  });
});
