import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { childProcessEnvironment } from "../config.ts";

/**
 * Starts the provider emulators (sandbox/main.ts) as a child process. Product code never imports the
 * sandbox (a dependency-cruiser rule): it runs the file by path and reads the one JSON "ready" line the
 * child prints on stdout. The child's stderr lines go to the logger.
 */

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
const sandboxMain = fileURLToPath(new URL("../../sandbox/main.ts", import.meta.url));

export const DEFAULT_SANDBOX_PORTS = { microsoft: 4010, google: 4020 } as const;
const READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 5_000;
// Kept for the error message when the child dies before it is ready (e.g. EADDRINUSE).
const STDERR_TAIL_LINES = 20;

const client = z.object({
  clientId: z.string(),
  clientSecret: z.string().nullable(),
  redirectUris: z.array(z.string()),
});
const account = z.object({ email: z.string(), displayName: z.string(), kind: z.string() });
const room = z.object({ email: z.string(), displayName: z.string() });

export const sandboxEndpointsSchema = z.object({
  microsoft: z.object({
    url: z.url(),
    /** `${url}/common/v2.0`: the issuer template for multi-tenant apps; discovery lives under it. */
    authority: z.url(),
    discoveryUrl: z.url(),
    authorizeUrl: z.url(),
    tokenUrl: z.url(),
    jwksUrl: z.url(),
    /** Graph root, `${url}/v1.0`. */
    graph: z.url(),
    admin: z.url(),
    /** client_credentials goes to `${url}/${tenant.id}/oauth2/v2.0/token`. */
    tenants: z.array(z.object({ id: z.string(), domain: z.string(), displayName: z.string() })),
    clients: z.array(client.extend({ kind: z.string(), displayName: z.string() })),
    accounts: z.array(account),
    rooms: z.array(room),
  }),
  google: z.object({
    url: z.url(),
    issuer: z.url(),
    discoveryUrl: z.url(),
    authUrl: z.url(),
    tokenUrl: z.url(),
    revokeUrl: z.url(),
    userinfoUrl: z.url(),
    jwksUrl: z.url(),
    /** Calendar v3 root, `${url}/calendar/v3`. */
    calendarRoot: z.url(),
    /** What @googleapis/calendar takes as `rootUrl` (origin with a trailing slash). */
    rootUrl: z.url(),
    admin: z.url(),
    clients: z.array(client),
    accounts: z.array(account),
    rooms: z.array(room),
  }),
});

export type SandboxEndpoints = z.infer<typeof sandboxEndpointsSchema>;

const readyLineSchema = sandboxEndpointsSchema.extend({ ready: z.literal(true) });
/** What the child prints instead of the ready line when an emulator's port is taken. */
const portInUseLineSchema = z.object({
  ready: z.literal(false),
  error: z.object({
    code: z.literal("port_in_use"),
    provider: z.enum(["microsoft", "google"]),
    host: z.string(),
    port: z.number().int(),
  }),
});

const emulatorNames = { microsoft: "Microsoft 365", google: "Google Calendar" } as const;

/** An emulator's port is taken; callers add how to choose another (a CLI flag, a setting). */
export class SandboxPortInUseError extends Error {
  override name = "SandboxPortInUseError";
  constructor(
    readonly provider: "microsoft" | "google",
    readonly host: string,
    readonly port: number,
  ) {
    super(`port ${port} on ${host} is already in use (${emulatorNames[provider]} emulator)`);
  }
}

function portInUseLine(line: string): SandboxPortInUseError | undefined {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return undefined;
  }
  const parsed = portInUseLineSchema.safeParse(json);
  if (!parsed.success) return undefined;
  const { provider, host, port } = parsed.data.error;
  return new SandboxPortInUseError(provider, host, port);
}

/** The logger calls made here; a pino Logger fits. */
export interface SandboxLogger {
  info(bindings: object, message: string): void;
  warn(bindings: object, message: string): void;
  error(bindings: object, message: string): void;
}

export interface SandboxProcess {
  endpoints: SandboxEndpoints;
  pid: number | undefined;
  /** Settles when the child exits, for whatever reason (after stop(), or a crash: logged as an error). */
  exited: Promise<void>;
  /** SIGTERM, then SIGKILL after 5 s; resolves once the child has exited. Safe to call twice. */
  stop(): Promise<void>;
}

/** Parses the child's ready line; a clear Error when it is not one. */
export function parseReadyLine(line: string): SandboxEndpoints {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    throw new Error(`sandbox printed a line that is not JSON: ${line.slice(0, 200)}`);
  }
  const result = readyLineSchema.safeParse(json);
  if (!result.success) throw new Error(`sandbox ready line is invalid: ${z.prettifyError(result.error)}`);
  const { ready: _ready, ...endpoints } = result.data;
  return endpoints;
}

function childArgs(params: {
  host: string;
  ports: { microsoft: number; google: number };
  autoApprove: boolean;
}): string[] {
  return [
    "--import",
    "tsx",
    sandboxMain,
    "--host",
    params.host,
    "--port-microsoft",
    String(params.ports.microsoft),
    "--port-google",
    String(params.ports.google),
    "--exit-with-parent",
    ...(params.autoApprove ? ["--auto-approve"] : []),
  ];
}

function exitDescription(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `signal ${signal}` : `code ${code}`;
}

/**
 * Spawns `node --import tsx sandbox/main.ts` and resolves with its endpoints once both emulators listen.
 * Ports default to 0 (ephemeral); pass DEFAULT_SANDBOX_PORTS for the documented 4010/4020.
 */
export function startSandboxProcess(params: {
  logger: SandboxLogger;
  host?: string;
  ports?: { microsoft?: number; google?: number };
  autoApprove?: boolean;
  readyTimeoutMs?: number;
  /** The environment the child's few variables are picked from (default: this process's). */
  parentEnv?: NodeJS.ProcessEnv;
}): Promise<SandboxProcess> {
  const { logger } = params;
  // cwd = repo root so that `--import tsx` resolves from this package's node_modules.
  const child = spawn(
    process.execPath,
    childArgs({
      host: params.host ?? "127.0.0.1",
      ports: { microsoft: params.ports?.microsoft ?? 0, google: params.ports?.google ?? 0 },
      autoApprove: params.autoApprove ?? false,
    }),
    // detached: its own process group, so a terminal's Ctrl-C reaches only us and we stop it in order.
    {
      cwd: repoRoot,
      stdio: ["pipe", "pipe", "pipe"],
      detached: true,
      env: childProcessEnvironment(params.parentEnv),
    },
  );
  // Last resort when the parent exits without stop(); stdin closing also tells the child (--exit-with-parent).
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  // We never write to stdin; it only signals our death to the child. Ignore EPIPE after it exits.
  child.stdin.on("error", () => {});
  let ready = false;
  let stopping = false;
  const stderrTail: string[] = [];

  createInterface({ input: child.stderr }).on("line", (line) => {
    stderrTail.push(line);
    if (stderrTail.length > STDERR_TAIL_LINES) stderrTail.shift();
    const provider = /^(microsoft|google) /.exec(line)?.[1];
    logger.info(
      { component: "sandbox", ...(provider ? { provider } : {}) },
      provider ? line.slice(provider.length + 1) : line,
    );
  });

  const stop = async (): Promise<void> => {
    stopping = true;
    process.removeListener("exit", killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    const forceKill = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
    child.kill("SIGTERM");
    await exited;
    clearTimeout(forceKill);
  };

  return new Promise<SandboxProcess>((resolve, reject) => {
    const timeoutMs = params.readyTimeoutMs ?? READY_TIMEOUT_MS;
    // Set when we give up on the child; the promise rejects with it once the child is gone.
    let failure: Error | undefined;
    const fail = (error: Error) => {
      failure ??= error;
      clearTimeout(timer);
      void stop();
    };
    const timer = setTimeout(
      () => fail(new Error(`sandbox did not become ready within ${timeoutMs / 1000} s`)),
      timeoutMs,
    );
    // Spawn failures (no "exit" follows): nothing runs, so nothing to stop.
    child.once("error", (error) => {
      clearTimeout(timer);
      process.removeListener("exit", killOnExit);
      reject(new Error(`cannot start the sandbox process: ${error.message}`));
    });
    // "close" rather than "exit": it comes after the child's stderr is drained, so the tail is complete.
    child.once("close", (code, signal) => {
      if (!ready) {
        clearTimeout(timer);
        process.removeListener("exit", killOnExit);
        const detail = stderrTail.length > 0 ? `: ${stderrTail.join(" | ")}` : "";
        reject(
          failure ??
            new Error(
              `sandbox process exited (${exitDescription(code, signal)}) before it was ready${detail}`,
            ),
        );
      } else if (!stopping) {
        logger.error(
          { component: "sandbox", code, signal },
          "sandbox process exited unexpectedly; provider emulators are gone",
        );
      }
    });
    createInterface({ input: child.stdout }).on("line", (line) => {
      if (ready) {
        logger.warn({ component: "sandbox" }, `unexpected stdout line: ${line}`);
        return;
      }
      const portInUse = portInUseLine(line);
      if (portInUse) {
        fail(portInUse);
        return;
      }
      let endpoints: SandboxEndpoints;
      try {
        endpoints = parseReadyLine(line);
      } catch (error) {
        fail(error as Error);
        return;
      }
      ready = true;
      clearTimeout(timer);
      resolve({ endpoints, pid: child.pid, exited, stop });
    });
  });
}
