import { type Command, Option } from "commander";
import { type Config, loadConfig } from "../../config.ts";
import { startService } from "../../main.ts";
import { SandboxPortInUseError } from "../../providers/sandbox-process.ts";
import { roleProblem, SERVICE_ROLES, type ServiceRole } from "../../service-role.ts";

/** A start-up failure the operator fixes with a setting, said as one line that names the setting. */
export function explainStartFailure(error: unknown, config: Config): unknown {
  if (error instanceof SandboxPortInUseError) {
    // Only SANDBOX=on gets here: with auto the service warns and starts without the emulators.
    return new Error(
      `${error.message}: free it, or set SANDBOX=off (or auto) to start without the emulators`,
    );
  }
  const failure = error as NodeJS.ErrnoException;
  if (failure?.syscall !== "listen") return error;
  const where = `port ${config.port} on ${config.host}`;
  switch (failure.code) {
    case "EADDRINUSE":
      return new Error(`${where} is already in use: set PORT to a free port (or stop what holds it)`);
    case "EACCES":
      return new Error(`${where} needs privileges this process lacks: set PORT to 1024 or above`);
    case "EADDRNOTAVAIL":
      return new Error(`${config.host} is not an address of this machine: set HOST (0.0.0.0 listens on all)`);
    default:
      return error;
  }
}

export function register(program: Command): void {
  program
    .command("serve")
    .description("run the HTTP API and the job workers (migrations run first)")
    .addOption(
      new Option(
        "--role <role>",
        "api: HTTP only, enqueues jobs; worker: runs the jobs (syncs: SYNC_CONCURRENCY at once); all: both",
      )
        .choices(SERVICE_ROLES)
        .default("all"),
    )
    .action(async (options: { role: ServiceRole }) => {
      const config = loadConfig();
      const problem = roleProblem(options.role, config.databaseUrl);
      if (problem) throw new Error(problem);
      const service = await startService(config, { role: options.role }).catch((error: unknown) => {
        throw explainStartFailure(error, config);
      });
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
