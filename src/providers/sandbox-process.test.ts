import { createHash, randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  parseReadyLine,
  type SandboxEndpoints,
  type SandboxLogger,
  SandboxPortInUseError,
  type SandboxProcess,
  startSandboxProcess,
} from "./sandbox-process.ts";

interface LogEntry {
  level: "info" | "warn" | "error";
  bindings: object;
  message: string;
}

function recordingLogger(entries: LogEntry[]): SandboxLogger {
  const record = (level: LogEntry["level"]) => (bindings: object, message: string) => {
    entries.push({ level, bindings, message });
  };
  return { info: record("info"), warn: record("warn"), error: record("error") };
}

/** The authorization-code flow with PKCE as a web app runs it; auto-approve makes authorize redirect at once. */
async function authCodeToken(params: {
  authorizeUrl: string;
  tokenUrl: string;
  client: { clientId: string; clientSecret: string | null; redirectUris: string[] };
  scope: string;
  account: string;
}): Promise<string> {
  const verifier = randomBytes(32).toString("base64url");
  const redirectUri = params.client.redirectUris[0] ?? "";
  const authorize = new URL(params.authorizeUrl);
  authorize.search = new URLSearchParams({
    client_id: params.client.clientId,
    response_type: "code",
    redirect_uri: redirectUri,
    scope: params.scope,
    state: "state-1",
    login_hint: params.account,
    code_challenge: createHash("sha256").update(verifier).digest("base64url"),
    code_challenge_method: "S256",
  }).toString();
  const redirect = await fetch(authorize, { redirect: "manual" });
  expect(redirect.status).toBe(302);
  const code = new URL(redirect.headers.get("location") ?? "").searchParams.get("code");
  expect(code).toBeTruthy();
  const response = await fetch(params.tokenUrl, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code: code ?? "",
      redirect_uri: redirectUri,
      client_id: params.client.clientId,
      client_secret: params.client.clientSecret ?? "",
      code_verifier: verifier,
    }),
  });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { access_token: string };
  return body.access_token;
}

async function getJson(
  url: string,
  token?: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function isClosed(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(5_000) });
    return false;
  } catch {
    return true;
  }
}

describe("startSandboxProcess (real child process)", () => {
  const logs: LogEntry[] = [];
  let sandbox: SandboxProcess;
  let endpoints: SandboxEndpoints;

  beforeAll(async () => {
    sandbox = await startSandboxProcess({
      logger: recordingLogger(logs),
      autoApprove: true,
      parentEnv: { ...process.env, ENCRYPTION_KEYS: "k1:do-not-leak", DATABASE_URL: "postgres://u:p@db/x" },
    });
    endpoints = sandbox.endpoints;
  });
  afterAll(async () => {
    await sandbox?.stop();
  });

  it.runIf(existsSync("/proc/self/environ"))("runs the child without the service's secrets", () => {
    const environ = readFileSync(`/proc/${sandbox.pid}/environ`, "utf8").split("\0");
    const names = environ.filter(Boolean).map((entry) => entry.slice(0, entry.indexOf("=")));
    expect(names).toContain("PATH");
    expect(names).not.toContain("ENCRYPTION_KEYS");
    expect(names).not.toContain("DATABASE_URL");
    expect(environ.join("\n")).not.toContain("do-not-leak");
  });

  it("reports both emulators on ephemeral loopback ports with the demo clients and seeded accounts", () => {
    expect(endpoints.microsoft.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(endpoints.google.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(endpoints.microsoft.url).not.toBe(endpoints.google.url);
    expect(endpoints.microsoft.authority).toBe(`${endpoints.microsoft.url}/common/v2.0`);
    expect(endpoints.microsoft.graph).toBe(`${endpoints.microsoft.url}/v1.0`);
    expect(endpoints.microsoft.clients.find((c) => c.kind === "web")?.clientSecret).toBeTruthy();
    expect(endpoints.microsoft.accounts.map((a) => a.email)).toContain("adele@contoso.com");
    expect(endpoints.microsoft.rooms.length).toBeGreaterThan(0);
    expect(endpoints.google.calendarRoot).toBe(`${endpoints.google.url}/calendar/v3`);
    expect(endpoints.google.accounts.map((a) => a.kind)).toEqual(
      expect.arrayContaining(["personal", "workspace"]),
    );
    expect(endpoints.google.rooms.length).toBeGreaterThan(0);
  });

  it("serves Microsoft OIDC discovery and Graph calls with a token from the auth-code flow", async () => {
    const discovery = await getJson(endpoints.microsoft.discoveryUrl);
    expect(discovery.status).toBe(200);
    expect(discovery.body.authorization_endpoint).toBe(endpoints.microsoft.authorizeUrl);
    expect(discovery.body.token_endpoint).toBe(endpoints.microsoft.tokenUrl);
    const web = endpoints.microsoft.clients.find((c) => c.kind === "web");
    if (!web) throw new Error("no web client in the ready line");
    const token = await authCodeToken({
      authorizeUrl: endpoints.microsoft.authorizeUrl,
      tokenUrl: endpoints.microsoft.tokenUrl,
      client: web,
      scope: "openid profile email offline_access User.Read Calendars.ReadWrite",
      account: "adele@contoso.com",
    });
    const me = await getJson(`${endpoints.microsoft.graph}/me`, token);
    expect(me.status).toBe(200);
    expect(me.body.mail).toBe("adele@contoso.com");
    const calendars = await getJson(`${endpoints.microsoft.graph}/me/calendars`, token);
    expect(calendars.status).toBe(200);
    expect((calendars.body.value as unknown[]).length).toBeGreaterThan(0);
  });

  it("serves Google OIDC discovery and Calendar v3 calls with a token from the auth-code flow", async () => {
    const discovery = await getJson(endpoints.google.discoveryUrl);
    expect(discovery.status).toBe(200);
    expect(discovery.body.authorization_endpoint).toBe(endpoints.google.authUrl);
    expect(discovery.body.token_endpoint).toBe(endpoints.google.tokenUrl);
    const [client] = endpoints.google.clients;
    if (!client) throw new Error("no Google client in the ready line");
    const token = await authCodeToken({
      authorizeUrl: endpoints.google.authUrl,
      tokenUrl: endpoints.google.tokenUrl,
      client,
      scope: "openid email https://www.googleapis.com/auth/calendar",
      account: "alice.sandbox@gmail.com",
    });
    const list = await getJson(`${endpoints.google.calendarRoot}/users/me/calendarList`, token);
    expect(list.status).toBe(200);
    const ids = (list.body.items as Array<{ id: string }>).map((item) => item.id);
    expect(ids).toContain("alice.sandbox@gmail.com");
  });

  it("forwards the child's request log lines to the logger, tagged with the provider", async () => {
    // The child writes its log line after answering, so it may reach us a moment after the response did.
    const googleLine = () =>
      logs.some(
        (entry) =>
          (entry.bindings as { provider?: string }).provider === "google" &&
          entry.message.startsWith("GET /calendar/v3/users/me/calendarList"),
      );
    for (let waited = 0; !googleLine() && waited < 5000; waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const lines = logs.filter((entry) => entry.level === "info");
    expect(lines).toContainEqual({
      level: "info",
      bindings: { component: "sandbox", provider: "microsoft" },
      message: "GET /v1.0/me -> 200",
    });
    expect(
      lines.some(
        (entry) =>
          (entry.bindings as { provider?: string }).provider === "google" &&
          entry.message.startsWith("GET /calendar/v3/users/me/calendarList"),
      ),
    ).toBe(true);
  });

  it("stop() ends the child and frees both ports; a second stop() is harmless", async () => {
    await sandbox.stop();
    await sandbox.exited;
    expect(await isClosed(endpoints.microsoft.discoveryUrl)).toBe(true);
    expect(await isClosed(endpoints.google.discoveryUrl)).toBe(true);
    await sandbox.stop();
    expect(logs.filter((entry) => entry.level === "error")).toEqual([]);
  });
});

describe("startSandboxProcess failures", () => {
  let blocker: Server;
  beforeAll(async () => {
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
  });

  it("rejects with a SandboxPortInUseError naming the emulator when its port is taken", async () => {
    const address = blocker.address();
    const port = typeof address === "object" && address ? address.port : 0;
    const logs: LogEntry[] = [];
    const started = startSandboxProcess({ logger: recordingLogger(logs), ports: { google: port } });
    await expect(started).rejects.toThrow(SandboxPortInUseError);
    await expect(started).rejects.toMatchObject({
      provider: "google",
      host: "127.0.0.1",
      port,
      message: `port ${port} on 127.0.0.1 is already in use (Google Calendar emulator)`,
    });
  });

  it("rejects with the child's own reason when it exits before it is ready for another cause", async () => {
    const logs: LogEntry[] = [];
    // 192.0.2.1 (TEST-NET-1) is no address of this machine: listen fails at once with EADDRNOTAVAIL.
    await expect(startSandboxProcess({ logger: recordingLogger(logs), host: "192.0.2.1" })).rejects.toThrow(
      /sandbox process exited \(code 1\) before it was ready: sandbox failed to start: microsoft emulator: .*EADDRNOTAVAIL/,
    );
  });

  it("gives up after the ready timeout, and rejects only once the child is gone", async () => {
    const logs: LogEntry[] = [];
    await expect(startSandboxProcess({ logger: recordingLogger(logs), readyTimeoutMs: 50 })).rejects.toThrow(
      "sandbox did not become ready within 0.05 s",
    );
  });

  it("rejects a ready line that is not JSON or misses endpoints", () => {
    expect(() => parseReadyLine("Listening on 4010")).toThrow(/not JSON/);
    expect(() => parseReadyLine(JSON.stringify({ ready: true, microsoft: {} }))).toThrow(
      /ready line is invalid/,
    );
  });
});
