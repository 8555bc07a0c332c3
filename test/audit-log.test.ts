import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordAudit } from "../src/audit/record-audit.ts";
import { parseKeyRing } from "../src/secrets/key-ring.ts";
import { purgeAuditEntries } from "../src/store/audit-log-repository.ts";
import type { Store } from "../src/store/database.ts";
import { rotateSecrets } from "../src/store/rotate-secrets.ts";
import { buildTestApp, createTestTenant } from "./support/test-app.ts";
import { backends, openTestStore } from "./support/test-stores.ts";

describe.each(backends)("audit log on %s", (backend) => {
  let store: Store;
  let dispose: () => Promise<void>;
  let app: FastifyInstance;
  let tenant: Awaited<ReturnType<typeof createTestTenant>>;
  let other: Awaited<ReturnType<typeof createTestTenant>>;
  const hostA = "11111111-1111-4111-8111-111111111111";
  const hostB = "22222222-2222-4222-8222-222222222222";

  beforeAll(async () => {
    ({ store, dispose } = await openTestStore(backend));
    app = await buildTestApp(store);
    tenant = await createTestTenant(store, "Audited");
    other = await createTestTenant(store, "Other");
  });
  afterAll(async () => {
    await app.close();
    await dispose();
  });

  const count = async () =>
    Number((await store.executeSql("select count(*)::int as n from audit_log", [])).rows[0]!.n);

  it("records API key creation and revocation with the key that did it and the request id", async () => {
    const created = await app.inject({
      method: "POST",
      url: "/v1/api-keys",
      headers: { ...tenant.auth, "x-request-id": "req-create-1" },
      payload: { name: "second" },
    });
    expect(created.statusCode).toBe(201);
    const revoked = await app.inject({
      method: "DELETE",
      url: `/v1/api-keys/${created.json().id}`,
      headers: tenant.auth,
    });
    expect(revoked.statusCode).toBe(204);
    const log = await app.inject({ method: "GET", url: "/v1/audit?actorKind=api_key", headers: tenant.auth });
    expect(log.statusCode).toBe(200);
    const entries = log.json().data;
    expect(entries.map((entry: { action: string }) => entry.action)).toEqual([
      "api_key.revoked",
      "api_key.created",
    ]);
    expect(entries[1]).toMatchObject({
      actor: { kind: "api_key" },
      outcome: "success",
      requestId: "req-create-1",
      details: { apiKeyId: created.json().id },
    });
    expect(entries[1].actor.id).toMatch(/^[0-9a-f-]{36}$/);
    // The other tenant sees none of it.
    const foreign = await app.inject({ method: "GET", url: "/v1/audit", headers: other.auth });
    expect(foreign.json().data).toEqual([]);
  });

  it("filters by host, action, actor and time range and pages with a cursor", async () => {
    for (let i = 0; i < 5; i++) {
      await recordAudit(store.db, {
        at: new Date(Date.UTC(2020, 0, 1 + i)),
        tenantId: tenant.tenantId,
        actor: { kind: "system_job", id: "calendar.sync" },
        action: "calendar.read",
        target: { hostId: i % 2 === 0 ? hostA : hostB },
        outcome: "success",
        details: { itemCount: i },
      });
    }
    const byHost = await app.inject({
      method: "GET",
      url: `/v1/audit?hostId=${hostA}`,
      headers: tenant.auth,
    });
    expect(
      byHost.json().data.map((entry: { details: { itemCount: number } }) => entry.details.itemCount),
    ).toEqual([4, 2, 0]);
    const ranged = await app.inject({
      method: "GET",
      url: "/v1/audit?action=calendar.read&actorId=calendar.sync&from=2020-01-02T00:00:00Z&to=2020-01-04T00:00:00Z",
      headers: tenant.auth,
    });
    expect(
      ranged.json().data.map((entry: { details: { itemCount: number } }) => entry.details.itemCount),
    ).toEqual([2, 1]);
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const page: { json(): { data: Array<{ details: { itemCount: number } }>; nextCursor: string | null } } =
        await app.inject({
          method: "GET",
          url: `/v1/audit?action=calendar.read&limit=2${cursor ? `&cursor=${cursor}` : ""}`,
          headers: tenant.auth,
        });
      seen.push(...page.json().data.map((entry) => entry.details.itemCount));
      cursor = page.json().nextCursor;
    } while (cursor);
    expect(seen).toEqual([4, 3, 2, 1, 0]);
    const bad = await app.inject({ method: "GET", url: "/v1/audit?action=nope", headers: tenant.auth });
    expect(bad.statusCode).toBe(400);
  });

  it("refuses free text in any field", async () => {
    const entry = {
      tenantId: tenant.tenantId,
      action: "calendar.read" as const,
      outcome: "success" as const,
    };
    await expect(
      recordAudit(store.db, { ...entry, actor: { kind: "attendee_link", id: "dana@example.com" } }),
    ).rejects.toThrow();
    await expect(
      recordAudit(store.db, {
        ...entry,
        actor: { kind: "system_job", id: "x" },
        details: { title: "Dentist" } as never,
      }),
    ).rejects.toThrow();
    await expect(
      recordAudit(store.db, { ...entry, actor: { kind: "system_job", id: "x" }, target: { hostId: "Dana" } }),
    ).rejects.toThrow();
    // A caller's request id that is not a plain id is dropped, the entry kept.
    await recordAudit(store.db, {
      ...entry,
      actor: { kind: "system_job", id: "x" },
      requestId: "Bearer secret token",
    });
    const [row] = (await store.executeSql("select request_id from audit_log order by id desc limit 1", []))
      .rows;
    expect(row!.request_id).toBeNull();
  });

  it("refuses UPDATE, DELETE and TRUNCATE", async () => {
    const before = await count();
    expect(before).toBeGreaterThan(0);
    await expect(store.executeSql("update audit_log set outcome = 'failure'", [])).rejects.toThrow(
      /append-only/,
    );
    await expect(store.executeSql("delete from audit_log", [])).rejects.toThrow(/append-only/);
    await expect(store.executeSql("truncate audit_log", [])).rejects.toThrow(/append-only/);
    // A setting from another transaction (or for the future) does not open a path either.
    await expect(
      store.executeSql(
        "select set_config('calbridge.audit_retention_before', '2999-01-01T00:00:00Z', false); delete from audit_log",
        [],
      ),
    ).rejects.toThrow(/append-only/);
    expect(await count()).toBe(before);
  });

  it("lets the retention job remove only entries older than its cutoff", async () => {
    const before = await count();
    const removed = await purgeAuditEntries(store.db, { before: new Date(Date.UTC(2020, 0, 3)) });
    expect(removed).toBe(2);
    expect(await count()).toBe(before - 2);
    // The cutoff was local to the retention transaction: the next plain delete is refused again.
    await expect(store.executeSql("delete from audit_log", [])).rejects.toThrow(/append-only/);
  });

  it("records key rotation as an installation-wide entry", async () => {
    const keyRing = parseKeyRing(`k1:${Buffer.alloc(32, 1).toString("base64")}`);
    await rotateSecrets(store.db, keyRing);
    const [row] = (
      await store.executeSql(
        "select tenant_id, actor_kind, outcome from audit_log where action = 'secrets.rotated'",
        [],
      )
    ).rows;
    expect(row).toEqual({ tenant_id: null, actor_kind: "operator", outcome: "success" });
  });
});
