import type { Command } from "commander";
import { loadConfig } from "../../config.ts";
import { openConfiguredStore } from "../../main.ts";
import { createLogger } from "../../observability/logger.ts";
import { createApiKey, createTenant } from "../../store/tenants-repository.ts";

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
      const store = await openConfiguredStore(config, createLogger({ level: "warn" }));
      try {
        const created = await createTenant(store.db, {
          name,
          ...(options.slug ? { slug: options.slug } : {}),
        });
        const key = await createApiKey(store.db, { tenantId: created.id, name: "first key" });
        if (options.json) {
          process.stdout.write(`${JSON.stringify({ tenant: created, apiKey: key.key })}\n`);
        } else {
          process.stdout.write(
            `tenant ${created.name} created (id ${created.id}, slug ${created.slug})\n` +
              `API key (shown once, store it now):\n${key.key}\n`,
          );
        }
      } finally {
        await store.close();
      }
    });
}
