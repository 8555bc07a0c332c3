import type { FastifyInstance } from "fastify";
import pino from "pino";
import { createMetrics } from "../../src/observability/metrics.ts";
import type { ServerDeps } from "../../src/server/app.ts";
import { buildServer } from "../../src/server/app.ts";
import type { Store } from "../../src/store/database.ts";
import type { TenantId } from "../../src/store/ids.ts";
import { createApiKey, createTenant } from "../../src/store/tenants-repository.ts";

/** An HTTP server on a migrated test store, driven with fastify.inject (the full request pipeline, no socket). */
export async function buildTestApp(store: Store, extra: Partial<ServerDeps> = {}): Promise<FastifyInstance> {
  const app = await buildServer({
    db: store.db,
    logger: pino({ level: "silent" }),
    metrics: createMetrics(),
    version: "test",
    publicUrl: "http://localhost:3000",
    readiness: [{ name: "database", check: async () => void (await store.executeSql("select 1", [])) }],
    ...extra,
  });
  await app.ready();
  return app;
}

export async function createTestTenant(
  store: Store,
  name: string,
): Promise<{ tenantId: TenantId; slug: string; key: string; auth: { authorization: string } }> {
  const tenant = await createTenant(store.db, { name });
  const { key } = await createApiKey(store.db, { tenantId: tenant.id, name: "test" });
  return { tenantId: tenant.id, slug: tenant.slug, key, auth: { authorization: `Bearer ${key}` } };
}
