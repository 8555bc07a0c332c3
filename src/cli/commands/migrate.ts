import type { Command } from "commander";
import { loadConfig } from "../../config.ts";
import { openConfiguredStore } from "../../main.ts";
import { createLogger } from "../../observability/logger.ts";

export function register(program: Command): void {
  program
    .command("migrate")
    .description("apply database migrations and exit")
    .action(async () => {
      const config = loadConfig();
      const store = await openConfiguredStore(config, createLogger({ level: config.logLevel }));
      await store.close();
      process.stdout.write(`migrations applied (${store.kind})\n`);
    });
}
