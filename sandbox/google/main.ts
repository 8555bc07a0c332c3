/**
 * Runs the Google sandbox on its own (what `calbridge sandbox` spawns; product code never imports it).
 *   node --import tsx sandbox/google/main.ts [--port 4020] [--host 127.0.0.1] [--seed file.json]
 *        [--auto-approve] [--quiet]
 */
import { parseArgs } from "node:util";
import { pino } from "pino";
import { startGoogleSandbox } from "./server.ts";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "4020" },
    host: { type: "string", default: "127.0.0.1" },
    seed: { type: "string" },
    "auto-approve": { type: "boolean", default: false },
    quiet: { type: "boolean", default: false },
  },
});

const sandbox = await startGoogleSandbox({
  port: Number(values.port),
  host: values.host,
  ...(values.seed ? { seed: values.seed } : {}),
  autoApprove: values["auto-approve"],
  ...(values.quiet ? {} : { logger: pino({ level: "info" }) }),
});
process.stdout.write(
  `Sandbox: Google emulator at ${sandbox.url}\n` +
    `  oauth     ${sandbox.url}/.well-known/openid-configuration\n` +
    `  calendar  ${sandbox.url}/calendar/v3   (googleapis: rootUrl "${sandbox.url}/")\n` +
    `  admin     ${sandbox.url}/_sandbox/state\n` +
    sandbox.state.seed.clients
      .map(
        (client) => `  client    ${client.clientId} / ${client.clientSecret} (${client.publishingStatus})\n`,
      )
      .join(""),
);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void sandbox.close().then(() => process.exit(0));
  });
}
