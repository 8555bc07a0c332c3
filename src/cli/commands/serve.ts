import type { Command } from "commander";
import { loadConfig } from "../../config.ts";
import { startService } from "../../main.ts";

export function register(program: Command): void {
  program
    .command("serve")
    .description("run the HTTP API and the job workers (migrations run first)")
    .action(async () => {
      const service = await startService(loadConfig());
      let signals = 0;
      const shutdown = (signal: string) => {
        signals++;
        if (signals > 1) {
          service.logger.warn("second signal: exiting without draining");
          process.exit(1);
        }
        service.logger.info({ signal }, "shutting down: draining requests and running jobs");
        service.stop().then(
          () => process.exit(0),
          (error: unknown) => {
            service.logger.error({ err: error }, "shutdown failed");
            process.exit(1);
          },
        );
      };
      process.on("SIGINT", () => shutdown("SIGINT"));
      process.on("SIGTERM", () => shutdown("SIGTERM"));
    });
}
