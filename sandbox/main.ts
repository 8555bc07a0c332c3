/**
 * Runs both provider emulators in one process: what `calbridge sandbox` and `npm start` spawn (product
 * code never imports the sandbox, it starts this file by path).
 *   node --import tsx sandbox/main.ts [--port-microsoft 4010] [--port-google 4020] [--host 127.0.0.1]
 *        [--auto-approve] [--exit-with-parent]
 * Protocol: exactly ONE JSON line on stdout once both listen (`{"ready": true, ...}`, described in
 * docs/sandbox.md); human-readable log lines on stderr, each prefixed "microsoft " or "google ".
 * SIGINT/SIGTERM close both and exit 0. A failed start writes the reason to stderr and exits 1; a port in use is
 * instead one JSON line on stdout (`{"ready": false, "error": {"code": "port_in_use", "provider", "host", "port"}}`).
 */
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type Logger, pino } from "pino";
import { type GoogleSandbox, startGoogleSandbox } from "./google/server.ts";
import { type MicrosoftSandbox, startMicrosoftSandbox } from "./microsoft/server.ts";

interface FastifyLogEntry {
  msg?: string;
  reqId?: string;
  req?: { method?: string; url?: string };
  res?: { statusCode?: number };
}

/** Folds Fastify's two JSON lines per request into one "GET /path -> 200", the Microsoft sandbox's format. */
function googleRequestLogger(write: (line: string) => void): Logger {
  const pending = new Map<string, string>();
  return pino(
    { level: "info" },
    {
      write(chunk: string) {
        const entry = JSON.parse(chunk) as FastifyLogEntry;
        if (entry.msg === "incoming request" && entry.reqId) {
          pending.set(entry.reqId, `${entry.req?.method ?? "?"} ${entry.req?.url ?? "?"}`);
        } else if (entry.msg === "request completed" && entry.reqId) {
          write(`${pending.get(entry.reqId) ?? "request"} -> ${entry.res?.statusCode ?? "?"}`);
          pending.delete(entry.reqId);
        } else {
          write(entry.msg ?? chunk.trim());
        }
      },
    },
  );
}

export interface SandboxPair {
  microsoft: MicrosoftSandbox;
  google: GoogleSandbox;
  close(): Promise<void>;
}

/** An emulator that could not start, and which one: the caller can name the flag that moves its port. */
export class EmulatorStartError extends Error {
  override name = "EmulatorStartError";
  constructor(
    readonly provider: "microsoft" | "google",
    readonly port: number,
    override readonly cause: unknown,
  ) {
    super(`${provider} emulator: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }

  get portInUse(): boolean {
    return (this.cause as NodeJS.ErrnoException | undefined)?.code === "EADDRINUSE";
  }
}

async function startEmulator<T>(
  provider: "microsoft" | "google",
  port: number,
  start: () => Promise<T>,
): Promise<T> {
  try {
    return await start();
  } catch (error) {
    throw new EmulatorStartError(provider, port, error);
  }
}

/** Starts both emulators with their shipped seeds; if the second fails the first is closed again. */
export async function startSandboxPair(options: {
  host: string;
  ports: { microsoft: number; google: number };
  autoApprove: boolean;
  log?: (line: string) => void;
}): Promise<SandboxPair> {
  const log = options.log;
  const microsoft = await startEmulator("microsoft", options.ports.microsoft, () =>
    startMicrosoftSandbox({
      port: options.ports.microsoft,
      host: options.host,
      autoApprove: options.autoApprove,
      ...(log ? { logger: { info: (message: string) => log(`microsoft ${message}`) } } : {}),
    }),
  );
  let google: GoogleSandbox;
  try {
    google = await startEmulator("google", options.ports.google, () =>
      startGoogleSandbox({
        port: options.ports.google,
        host: options.host,
        autoApprove: options.autoApprove,
        ...(log ? { logger: googleRequestLogger((line) => log(`google ${line}`)) } : {}),
      }),
    );
  } catch (error) {
    await microsoft.close();
    throw error;
  }
  return {
    microsoft,
    google,
    close: async () => {
      await Promise.all([microsoft.close(), google.close()]);
    },
  };
}

/** The ready line: everything a client needs to point at the emulators (schema: src/providers/sandbox-process.ts). */
export function describeSandboxPair(pair: Pick<SandboxPair, "microsoft" | "google">) {
  const ms = pair.microsoft.url;
  const mailboxes = [...pair.microsoft.state.mailboxes.values()];
  const g = pair.google.url;
  const calendars = [...pair.google.state.calendars.values()].map((calendar) => calendar.seed);
  return {
    ready: true,
    microsoft: {
      url: ms,
      // Multi-tenant apps use /common; a tenant id, /organizations or /consumers work as at Entra.
      authority: `${ms}/common/v2.0`,
      discoveryUrl: `${ms}/common/v2.0/.well-known/openid-configuration`,
      authorizeUrl: `${ms}/common/oauth2/v2.0/authorize`,
      tokenUrl: `${ms}/common/oauth2/v2.0/token`,
      jwksUrl: `${ms}/common/discovery/v2.0/keys`,
      graph: `${ms}/v1.0`,
      admin: `${ms}/_sandbox`,
      // client_credentials needs a real tenant in the token URL (`/{tenant}/oauth2/v2.0/token`), as at Entra.
      tenants: [...pair.microsoft.state.tenants.values()].map(({ id, domain, displayName }) => ({
        id,
        domain,
        displayName,
      })),
      clients: [...pair.microsoft.state.apps.values()].map((app) => ({
        clientId: app.clientId,
        clientSecret: app.clientSecret,
        kind: app.kind,
        displayName: app.displayName,
        redirectUris: app.redirectUris,
      })),
      accounts: mailboxes
        .filter((mailbox) => mailbox.kind !== "room")
        .map((mailbox) => ({
          email: mailbox.mail ?? mailbox.userPrincipalName,
          displayName: mailbox.displayName,
          kind: mailbox.kind,
        })),
      rooms: mailboxes
        .filter((mailbox) => mailbox.kind === "room")
        .map((mailbox) => ({
          email: mailbox.mail ?? mailbox.userPrincipalName,
          displayName: mailbox.displayName,
        })),
    },
    google: {
      url: g,
      issuer: g,
      discoveryUrl: `${g}/.well-known/openid-configuration`,
      authUrl: `${g}/o/oauth2/v2/auth`,
      tokenUrl: `${g}/token`,
      revokeUrl: `${g}/revoke`,
      userinfoUrl: `${g}/v1/userinfo`,
      jwksUrl: `${g}/oauth2/v3/certs`,
      calendarRoot: `${g}/calendar/v3`,
      // @googleapis/calendar wants the origin with a trailing slash as `rootUrl`.
      rootUrl: `${g}/`,
      admin: `${g}/_sandbox`,
      clients: pair.google.state.seed.clients.map((client) => ({
        clientId: client.clientId,
        clientSecret: client.clientSecret,
        redirectUris: client.redirectUris,
      })),
      accounts: [...pair.google.state.accounts.values()].map((account) => ({
        email: account.email,
        displayName: account.name,
        kind: account.kind,
      })),
      rooms: calendars
        .filter((calendar) => calendar.kind === "resource")
        .map((calendar) => ({ email: calendar.id, displayName: calendar.summary })),
    },
  };
}

function parsePort(name: string, value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--${name} must be a port number`);
  return port;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      "port-microsoft": { type: "string", default: "4010" },
      "port-google": { type: "string", default: "4020" },
      host: { type: "string", default: "127.0.0.1" },
      "auto-approve": { type: "boolean", default: false },
      // Set by startSandboxProcess: the parent holds our stdin open, so its end means the parent died
      // (even by SIGKILL, when it had no chance to kill us) and we must not linger on the ports.
      "exit-with-parent": { type: "boolean", default: false },
    },
  });
  const log = (line: string) => process.stderr.write(`${line}\n`);
  let pair: SandboxPair;
  try {
    pair = await startSandboxPair({
      host: values.host,
      ports: {
        microsoft: parsePort("port-microsoft", values["port-microsoft"]),
        google: parsePort("port-google", values["port-google"]),
      },
      autoApprove: values["auto-approve"],
      log,
    });
  } catch (error) {
    if (error instanceof EmulatorStartError && error.portInUse) {
      // The one failure a user fixes by choosing a port: said once, on stdout, for the parent to word it.
      const failure = {
        ready: false,
        error: { code: "port_in_use", provider: error.provider, host: values.host, port: error.port },
      };
      process.stdout.write(`${JSON.stringify(failure)}\n`, () => process.exit(1));
      return;
    }
    log(`sandbox failed to start: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
  let closing = false;
  const shutdown = (reason: string) => {
    if (closing) return;
    closing = true;
    log(`sandbox stopping (${reason})`);
    pair.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log(`sandbox stop failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  if (values["exit-with-parent"]) {
    process.stdin.on("end", () => shutdown("parent exited"));
    process.stdin.on("error", () => shutdown("parent exited"));
    process.stdin.resume();
  }
  process.stdout.write(`${JSON.stringify(describeSandboxPair(pair))}\n`);
  log(`microsoft Microsoft 365 emulator at ${pair.microsoft.url} (graph ${pair.microsoft.url}/v1.0)`);
  log(`google Google emulator at ${pair.google.url} (calendar ${pair.google.url}/calendar/v3)`);
}

// Run only as the entry point, so tests can import the functions above without starting anything.
const entry = process.argv[1];
if (entry && realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url))) await main();
