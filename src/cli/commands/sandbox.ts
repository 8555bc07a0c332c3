import { type Command, InvalidArgumentError } from "commander";
import {
  DEFAULT_SANDBOX_PORTS,
  type SandboxEndpoints,
  type SandboxLogger,
  SandboxPortInUseError,
  startSandboxProcess,
} from "../../providers/sandbox-process.ts";

// `calbridge sandbox`: the Microsoft 365 and Google emulators in the foreground, for integrators who test
// their own apps offline. The emulators run in a child process (product code never imports sandbox/).

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError("must be a port number (0 picks a free one)");
  }
  return port;
}

const row = (label: string, value: string) => `  ${label.padEnd(11)}${value}`;

type Client =
  | SandboxEndpoints["microsoft"]["clients"][number]
  | SandboxEndpoints["google"]["clients"][number];

function clientRows(clients: Client[]): string[] {
  return clients.map((client) => {
    const kind = "kind" in client ? `${client.kind}, ` : "";
    const secret = client.clientSecret ? `secret ${client.clientSecret}` : "public client (PKCE, no secret)";
    return row("client", `${client.clientId}  ${secret}  (${kind}redirect ${client.redirectUris[0] ?? "-"})`);
  });
}

function peopleRows(section: {
  accounts: SandboxEndpoints["google"]["accounts"];
  rooms: SandboxEndpoints["google"]["rooms"];
}): string[] {
  return [
    ...section.accounts.map((account) =>
      row("account", `${account.email}  ${account.displayName} (${account.kind})`),
    ),
    ...section.rooms.map((room) => row("room", `${room.email}  ${room.displayName}`)),
  ];
}

/** The foreground banner: every URL, demo credential and seeded account an integrator needs. */
export function formatSandboxBanner(endpoints: SandboxEndpoints, options: { autoApprove: boolean }): string {
  const { microsoft, google } = endpoints;
  return [
    "Sandbox: Microsoft 365 and Google Calendar emulators (state in memory; a restart reloads the seed)",
    options.autoApprove
      ? "Sandbox: auto-approve is ON: authorize signs in the login_hint (or first) account without a consent page"
      : "Sandbox: authorize shows a consent page listing the seeded accounts (--auto-approve skips it)",
    "",
    `Sandbox · Microsoft 365   ${microsoft.url}`,
    row("authority", microsoft.authority),
    row("discovery", microsoft.discoveryUrl),
    row("authorize", microsoft.authorizeUrl),
    row("token", microsoft.tokenUrl),
    row("graph", microsoft.graph),
    row("admin", `${microsoft.admin}/state`),
    ...clientRows(microsoft.clients),
    ...peopleRows(microsoft),
    "",
    `Sandbox · Google Calendar   ${google.url}`,
    row("discovery", google.discoveryUrl),
    row("authorize", google.authUrl),
    row("token", google.tokenUrl),
    row("calendar", `${google.calendarRoot}   (@googleapis/calendar rootUrl "${google.rootUrl}")`),
    row("admin", `${google.admin}/state`),
    ...clientRows(google.clients),
    ...peopleRows(google),
    "",
    "Request log on stderr. Guide: docs/sandbox.md. Press Ctrl-C to stop.",
    "",
  ].join("\n");
}

/** Child log lines to stderr, one per line, tagged with the emulator they came from. */
const stderrLogger: SandboxLogger = {
  info: (bindings, message) => writeLog(bindings, message),
  warn: (bindings, message) => writeLog(bindings, `warning: ${message}`),
  error: (bindings, message) => writeLog(bindings, `error: ${message}`),
};

function writeLog(bindings: object, message: string): void {
  const provider = (bindings as { provider?: unknown }).provider;
  process.stderr.write(`[sandbox${typeof provider === "string" ? ` ${provider}` : ""}] ${message}\n`);
}

export function register(program: Command): void {
  program
    .command("sandbox")
    .description("run the Microsoft 365 and Google Calendar emulators in the foreground (until Ctrl-C)")
    .option("--port-microsoft <port>", "Microsoft emulator port", parsePort, DEFAULT_SANDBOX_PORTS.microsoft)
    .option("--port-google <port>", "Google emulator port", parsePort, DEFAULT_SANDBOX_PORTS.google)
    .option("--host <host>", "interface to listen on", "127.0.0.1")
    .option(
      "--auto-approve",
      "skip the consent page: sign in the login_hint (or first) account at once",
      false,
    )
    .action(
      async (options: { portMicrosoft: number; portGoogle: number; host: string; autoApprove: boolean }) => {
        const sandbox = await startSandboxProcess({
          logger: stderrLogger,
          host: options.host,
          ports: { microsoft: options.portMicrosoft, google: options.portGoogle },
          autoApprove: options.autoApprove,
        }).catch((error: unknown) => {
          if (!(error instanceof SandboxPortInUseError)) throw error;
          throw new Error(
            `${error.message}: choose another with --port-${error.provider} <port> (0 picks a free one)`,
          );
        });
        process.stdout.write(formatSandboxBanner(sandbox.endpoints, { autoApprove: options.autoApprove }));
        let stopping = false;
        const shutdown = () => {
          if (stopping) return;
          stopping = true;
          sandbox.stop().then(
            () => process.exit(0),
            () => process.exit(1),
          );
        };
        process.on("SIGINT", shutdown);
        process.on("SIGTERM", shutdown);
        // A crash of the child is logged as an error by startSandboxProcess; the command fails with it.
        void sandbox.exited.then(() => {
          if (!stopping) process.exit(1);
        });
      },
    );
}
