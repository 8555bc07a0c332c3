/**
 * The `calbridge` arguments each process of a deployment runs with: test/service-roles.test.ts starts exactly these
 * (through `node --import tsx src/cli/main.ts`, see run-cli.ts), and test/compose-file.test.ts checks that
 * compose.yaml's services run exactly these too.
 */
export const roleCommands = {
  api: ["serve", "--role", "api"],
  worker: ["serve", "--role", "worker"],
} as const;

/** How run-cli.ts (and the Dockerfile's image) starts the CLI. */
export const cliEntry = ["node", "--import", "tsx", "src/cli/main.ts"] as const;
