import type { Command } from "commander";
import { type Config, loadConfig } from "../../config.ts";
import { openConfiguredStore } from "../../main.ts";
import { createLogger } from "../../observability/logger.ts";
import { readAdminHandoff } from "../../server/admin-handoff.ts";
import { DataDirLockedError } from "../../store/data-dir-lock.ts";
import { createApiKey, createTenant } from "../../store/tenants-repository.ts";

interface CreatedTenant {
  tenant: { id: string; name: string; slug: string };
  apiKey: string;
}

async function createTenantHere(
  config: Config,
  request: { name: string; slug?: string },
): Promise<CreatedTenant> {
  const store = await openConfiguredStore(config, createLogger({ level: "warn" }));
  try {
    const tenant = await createTenant(store.db, request);
    const key = await createApiKey(store.db, { tenantId: tenant.id, name: "first key" });
    return { tenant: { id: tenant.id, name: tenant.name, slug: tenant.slug }, apiKey: key.key };
  } finally {
    await store.close();
  }
}

async function createTenantThroughService(
  handoff: { url: string; token: string },
  request: { name: string; slug?: string },
): Promise<CreatedTenant> {
  const response = await fetch(`${handoff.url}/internal/admin/tenants`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-calbridge-admin-token": handoff.token },
    body: JSON.stringify(request),
  });
  const body = (await response.json()) as CreatedTenant & { error?: { message: string } };
  if (!response.ok) throw new Error(body.error?.message ?? `the running service answered ${response.status}`);
  return body;
}

export function register(program: Command): void {
  const tenant = program.command("tenant").description("manage tenants (embedding apps)");
  tenant
    .command("create")
    .argument("<name>", "the tenant's display name")
    .option("--slug <slug>", "URL slug for public pages (default: derived from the name)")
    .option("--json", "print JSON instead of text")
    .description("create a tenant and print its first API key (shown once)")
    .action(async (name: string, options: { slug?: string; json?: boolean }) => {
      if (options.slug !== undefined && !/^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/.test(options.slug)) {
        throw new Error("--slug must be lower-case letters, digits and dashes (at most 48)");
      }
      const config = loadConfig();
      const request = { name, ...(options.slug ? { slug: options.slug } : {}) };
      const created = await createTenantHere(config, request).catch(async (error: unknown) => {
        // Embedded mode while `calbridge serve` runs: the service owns the folder, so ask it.
        const handoff = error instanceof DataDirLockedError ? readAdminHandoff(config.dataDir) : undefined;
        if (!handoff) throw error;
        return createTenantThroughService(handoff, request);
      });
      if (options.json) {
        process.stdout.write(`${JSON.stringify(created)}\n`);
      } else {
        const { tenant, apiKey } = created;
        process.stdout.write(
          `tenant ${tenant.name} created (id ${tenant.id}, slug ${tenant.slug})\n` +
            `API key (shown once, store it now):\n${apiKey}\n`,
        );
      }
    });
}
