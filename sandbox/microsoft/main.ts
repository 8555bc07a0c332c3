/**
 * Runs the Microsoft sandbox on its own (what `calbridge sandbox` spawns; product code never imports it).
 *   node --import tsx sandbox/microsoft/main.ts [--port 4010] [--host 127.0.0.1] [--seed file.json]
 *        [--auto-approve] [--https-key key.pem --https-cert cert.pem]
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { startMicrosoftSandbox } from "./server.ts";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "4010" },
    host: { type: "string", default: "127.0.0.1" },
    seed: { type: "string" },
    "auto-approve": { type: "boolean", default: false },
    "https-key": { type: "string" },
    "https-cert": { type: "string" },
    quiet: { type: "boolean", default: false },
  },
});

const key = values["https-key"];
const cert = values["https-cert"];
const sandbox = await startMicrosoftSandbox({
  port: Number(values.port),
  host: values.host,
  ...(values.seed ? { seed: values.seed } : {}),
  autoApprove: values["auto-approve"],
  ...(key && cert ? { https: { key: readFileSync(key), cert: readFileSync(cert) } } : {}),
  ...(values.quiet ? {} : { logger: { info: (message: string) => process.stdout.write(`${message}\n`) } }),
});
process.stdout.write(
  `Sandbox: Microsoft 365 emulator at ${sandbox.url}\n` +
    `  authority  ${sandbox.url}/common/v2.0   (or /{tenant-id}/v2.0, /organizations, /consumers)\n` +
    `  graph      ${sandbox.url}/v1.0\n` +
    `  admin      ${sandbox.url}/_sandbox/state\n`,
);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void sandbox.close().then(() => process.exit(0));
  });
}
