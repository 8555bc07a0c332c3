import { once } from "node:events";
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Store } from "../src/store/database.ts";
import { readHostProfile, writeHostExport } from "../src/store/host-export.ts";
import type { HostId } from "../src/store/ids.ts";
import { buildBookingTestApp } from "./support/booking-test-app.ts";
import { createTestTenant } from "./support/test-app.ts";
import { backends, openTestStore } from "./support/test-stores.ts";

/** A host with data in every section; the big one gets 100,000 busy rows and 5,000 audit entries. */
describe.each(backends)("host export on %s", (backend) => {
  let store: Store;
  let dispose: () => Promise<void>;
  let app: FastifyInstance;
  let tenant: Awaited<ReturnType<typeof createTestTenant>>;
  let hostId: string;
  let connectionId: string;

  const inject = (method: "GET" | "POST", url: string, payload?: unknown) =>
    app.inject({ method, url, headers: tenant.auth, ...(payload ? { payload } : {}) });

  beforeAll(async () => {
    ({ store, dispose } = await openTestStore(backend));
    ({ app } = await buildBookingTestApp(store));
    tenant = await createTestTenant(store, "Exporter");
    hostId = (
      await inject("POST", "/v1/hosts", { name: "Olga Export", email: "olga@example.com", timeZone: "UTC" })
    ).json().id;
    await inject("POST", `/v1/hosts/${hostId}/schedules`, {
      timeZone: "UTC",
      weekly: { mon: [["09:00", "17:00"]] },
    });
    expect(
      (
        await inject("POST", "/v1/event-types", {
          slug: "chat",
          title: "Chat",
          durations: [60],
          hostIds: [hostId],
        })
      ).statusCode,
    ).toBe(201);
    const booked = await app.inject({
      method: "POST",
      url: `/v1/public/${tenant.slug}/chat/bookings`,
      payload: {
        start: "2030-03-04T09:00:00Z",
        timeZone: "UTC",
        name: "Ana Attendee",
        email: "ana@example.org",
      },
    });
    expect(booked.statusCode).toBe(201);
    expect((await inject("POST", `/v1/hosts/${hostId}/feeds`, {})).statusCode).toBe(201);
    connectionId = "aaaaaaaa-0000-4000-8000-000000000001";
    await store.executeSql(
      `insert into calendar_connections (id, tenant_id, host_id, provider, display_name, status, credentials, account_email)
       values ($1, $2, $3, 'microsoft', 'Microsoft 365', 'connected', 'cb1.k1.SECRET-ENVELOPE', 'olga@contoso.com')`,
      [connectionId, tenant.tenantId, hostId],
    );
    await store.executeSql(
      `insert into calendar_sync_states (tenant_id, connection_id, calendar_ref, cursor, name)
       values ($1, $2, 'cal-1', 'SECRET-DELTA-LINK', 'Calendar')`,
      [tenant.tenantId, connectionId],
    );
  }, 120_000);
  afterAll(async () => {
    await app.close();
    await dispose();
  });

  const addBusyRows = (count: number) =>
    store.executeSql(
      `insert into busy_intervals (id, tenant_id, host_id, connection_id, calendar_ref, start_at, end_at, status, source_ref)
       select gen_random_uuid(), $1, $2, $3, 'cal-1', t, t + interval '30 minutes', 'busy', 'evt-' || n
       from generate_series(1, $4::int) as n, lateral (select timestamptz '2030-01-01' + n * interval '1 hour' as t) s`,
      [tenant.tenantId, hostId, connectionId, count],
    );

  it("returns every section, without secrets, as one JSON document", async () => {
    await addBusyRows(3);
    // A managed event of the tenant's app held by this host (issue #18), and one held by nobody here.
    for (const [id, external, held] of [
      ["6a1c1e7e-0000-4000-8000-000000000001", "training-1", true],
      ["6a1c1e7e-0000-4000-8000-000000000002", "other-1", false],
    ] as const) {
      await store.executeSql(
        `insert into managed_events (id, tenant_id, external_id, title, start_at, end_at, time_zone)
         values ($1, $2, $3, 'Training', '2030-03-05T09:00:00Z', '2030-03-05T10:00:00Z', 'UTC')`,
        [id, tenant.tenantId, external],
      );
      if (held)
        await store.executeSql(
          "insert into managed_event_hosts (tenant_id, event_id, host_id) values ($1, $2, $3)",
          [tenant.tenantId, id, hostId],
        );
    }
    const response = await inject("GET", `/v1/hosts/${hostId}/export`);
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toMatch(/application\/json/);
    const document = response.json();
    expect(document).toMatchObject({
      format: "calbridge.host-export/1",
      host: { id: hostId, name: "Olga Export", email: "olga@example.com" },
      schedules: [expect.objectContaining({ timeZone: "UTC" })],
      connections: [expect.objectContaining({ id: connectionId, accountEmail: "olga@contoso.com" })],
      calendars: [expect.objectContaining({ calendarRef: "cal-1", name: "Calendar" })],
      eventTypes: [expect.objectContaining({ slug: "chat" })],
      bookings: [expect.objectContaining({ attendeeEmail: "ana@example.org", status: "confirmed" })],
      feeds: [expect.objectContaining({ includeBusy: false })],
    });
    expect(document.busyIntervals).toHaveLength(3);
    expect(document.managedEvents).toEqual([
      expect.objectContaining({ externalId: "training-1", title: "Training" }),
    ]);
    expect(document.auditEntries.map((entry: { action: string }) => entry.action)).toContain(
      "booking.created",
    );
    const text = response.body;
    expect(text).not.toContain("SECRET-ENVELOPE");
    expect(text).not.toContain("SECRET-DELTA-LINK");
    expect(text).not.toMatch(/token_?hash|keyHash|credentials/i);
    // The export itself is on record.
    const log = await inject("GET", `/v1/audit?hostId=${hostId}&action=host.exported`);
    expect(log.json().data).toHaveLength(1);
    expect((await inject("GET", "/v1/hosts/00000000-0000-4000-8000-000000000000/export")).statusCode).toBe(
      404,
    );
  });

  it("streams a host with 100,000 busy rows in batches: the document parses and memory stays flat", async () => {
    await addBusyRows(100_000 - 3);
    await store.executeSql(
      `insert into audit_log (tenant_id, actor_kind, actor_id, action, host_id, connection_id, provider, outcome, details)
       select $1, 'system_job', 'calendar.sync', 'calendar.read', $2, $3, 'microsoft', 'success', jsonb_build_object('itemCount', n)
       from generate_series(1, 5000) as n`,
      [tenant.tenantId, hostId, connectionId],
    );
    const host = (await readHostProfile(store.db, { tenantId: tenant.tenantId, hostId: hostId as HostId }))!;
    // The chunks go to a file, as they would to a socket: what the process holds is the generator's own memory.
    const path = join(mkdtempSync(join(tmpdir(), "calbridge-export-")), "export.json");
    const file = createWriteStream(path);
    const baseline = process.memoryUsage().heapUsed;
    let peak = baseline;
    let bytes = 0;
    let largestChunk = 0;
    for await (const chunk of writeHostExport(store.db, {
      tenantId: tenant.tenantId,
      host,
      exportedAt: new Date(),
    })) {
      bytes += chunk.length;
      largestChunk = Math.max(largestChunk, chunk.length);
      peak = Math.max(peak, process.memoryUsage().heapUsed);
      if (!file.write(chunk)) await once(file, "drain");
    }
    file.end();
    await once(file, "finish");
    // Rough: the generator holds one batch (1,000 rows) at a time, never the document (over 20 MB). Holding the
    // document would take at least its size; measured: ~7 MB on PostgreSQL, ~20 MB on PGlite (whose copies are
    // collected lazily) for a 32 MB document.
    expect(bytes).toBeGreaterThan(20_000_000);
    expect(largestChunk).toBeLessThan(1_000_000);
    expect(peak - baseline).toBeLessThan(bytes);

    const document = JSON.parse(readFileSync(path, "utf8"));
    rmSync(path);
    expect(document.busyIntervals).toHaveLength(100_000);
    expect(new Set(document.busyIntervals.map((row: { id: string }) => row.id)).size).toBe(100_000);
    expect(document.auditEntries.length).toBeGreaterThan(5_000);
  }, 300_000);
});
