// One Calbridge service process for the multi-process tests: starts the whole service (HTTP, job engine, sync) from
// the environment given as JSON, on a clock shifted by the given offset (the sandbox's clock), prints "ready", and
// stops cleanly on SIGTERM. Spawned with an IPC channel (see service-children.ts) it also answers:
//   { id, advanceMs }      moves its clock forward (as the sandbox's clock was moved)
//   { id, sync }           syncs that connection now, in this process, and answers the outcome's status
//   { id, graphTokens }    the bearer tokens its Graph calls carried since the last such question
import pino from "pino";
import { parseConfig } from "../../src/config.ts";
import { startService } from "../../src/main.ts";

const [envJson, offset] = process.argv.slice(2);
if (!envJson || offset === undefined) throw new Error("usage: service-child <env json> <clock offset ms>");
let shift = Number(offset);
const config = parseConfig(JSON.parse(envJson));
const graphPrefix = config.microsoftEndpoints.graphUrl;
let graphTokens = new Set<string>();
const service = await startService(config, {
  logger: pino({ level: "warn" }),
  now: () => new Date(Date.now() + shift),
  providerFetch: (input, init) => {
    // The provider client calls fetch(url string, init with a headers record).
    const authorization = new Headers(init?.headers).get("authorization");
    if (String(input).startsWith(graphPrefix) && authorization)
      graphTokens.add(authorization.replace(/^Bearer /, ""));
    return fetch(input, init);
  },
});
process.stdout.write("ready\n");
process.on("SIGTERM", () => {
  void service.stop().then(() => process.exit(0));
});
process.on("message", (message: { id: number; advanceMs?: number; sync?: string; graphTokens?: true }) => {
  void (async () => {
    if (message.advanceMs !== undefined) {
      shift += message.advanceMs;
      return { id: message.id };
    }
    if (message.sync !== undefined) {
      const outcome = await service.syncConnection(message.sync);
      return { id: message.id, status: outcome?.status ?? "gone" };
    }
    const tokens = [...graphTokens];
    graphTokens = new Set();
    return { id: message.id, tokens };
  })().then(
    (answer) => process.send?.(answer),
    (error: unknown) => process.send?.({ id: message.id, error: String(error) }),
  );
});
