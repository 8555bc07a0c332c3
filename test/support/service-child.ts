// One Calbridge service process for the multi-process tests: starts the whole service (HTTP, job engine, sync) from
// the environment given as JSON, on a clock shifted by the given offset (the sandbox's clock), prints "ready", and
// stops cleanly on SIGTERM.
import pino from "pino";
import { parseConfig } from "../../src/config.ts";
import { startService } from "../../src/main.ts";

const [envJson, offset] = process.argv.slice(2);
if (!envJson || offset === undefined) throw new Error("usage: service-child <env json> <clock offset ms>");
const shift = Number(offset);
const service = await startService(parseConfig(JSON.parse(envJson)), {
  logger: pino({ level: "warn" }),
  now: () => new Date(Date.now() + shift),
});
process.stdout.write("ready\n");
process.on("SIGTERM", () => {
  void service.stop().then(() => process.exit(0));
});
